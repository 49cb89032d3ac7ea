import { afterEach, describe, expect, it } from "vitest";
import { isSameOriginRequest } from "./request-origin";

const env = { NEXTAUTH_URL: process.env.NEXTAUTH_URL, TRUST_PROXY: process.env.TRUST_PROXY };
afterEach(() => {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const req = (h: Record<string, string>) => ({ headers: new Headers(h) });

describe("isSameOriginRequest", () => {
  it("accepts the desk's origin and refuses others, a null Origin and no header at all", () => {
    process.env.NEXTAUTH_URL = "http://localhost:3500";
    delete process.env.TRUST_PROXY;
    expect(isSameOriginRequest(req({ origin: "http://localhost:3500", host: "localhost:3500" }))).toBe(true);
    expect(isSameOriginRequest(req({ origin: "http://localhost:4102", host: "localhost:3500" }))).toBe(false); // same site, other port
    expect(isSameOriginRequest(req({ origin: "http://127.0.0.1:3500", host: "localhost:3500" }))).toBe(false);
    expect(isSameOriginRequest(req({ origin: "null", host: "localhost:3500" }))).toBe(false);
    expect(isSameOriginRequest(req({ host: "localhost:3500" }))).toBe(false);
    expect(isSameOriginRequest(req({ "sec-fetch-site": "same-site", host: "localhost:3500" }))).toBe(false);
    expect(isSameOriginRequest(req({ "sec-fetch-site": "same-origin", host: "localhost:3500" }))).toBe(true);
  });

  it("reads X-Forwarded-Host/Proto for any TRUST_PROXY that scripts/server.mjs accepts, and only then", () => {
    process.env.NEXTAUTH_URL = "http://localhost:3000";
    const behindProxy = req({
      origin: "https://desk.example",
      host: "localhost:3000",
      "x-forwarded-host": "desk.example",
      "x-forwarded-proto": "https",
    });
    for (const v of ["1", "2", "true"]) {
      process.env.TRUST_PROXY = v;
      expect(isSameOriginRequest(behindProxy), `TRUST_PROXY=${v}`).toBe(true);
    }
    for (const v of ["", "0", "false"]) {
      process.env.TRUST_PROXY = v;
      expect(isSameOriginRequest(behindProxy), `TRUST_PROXY=${v}`).toBe(false);
    }
  });
});
