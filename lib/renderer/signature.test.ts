import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  frappeSignature,
  generateStandardSecret,
  standardSignature,
  standardWebhookHeaders,
  verifyFrappe,
  verifyStandard,
} from "./signature";

// Published example from the Standard Webhooks spec / reference libraries.
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Frappe signature", () => {
  it("is base64 HMAC-SHA256 of the UTF-8 body", () => {
    const body = '{"name":"Nöte \\"1\\""}';
    const expected = createHmac("sha256", Buffer.from("secret-ключ", "utf8")).update(Buffer.from(body, "utf8")).digest("base64");
    expect(frappeSignature(body, "secret-ключ")).toBe(expected);
    expect(verifyFrappe(body, "secret-ключ", expected)).toEqual({ ok: true });
    expect(verifyFrappe(body + " ", "secret-ключ", expected)).toEqual({ ok: false, reason: "signature does not match" });
    expect(verifyFrappe(body, "secret-ключ", undefined).reason).toBe("missing X-Frappe-Webhook-Signature header");
  });
});

describe("Standard Webhooks", () => {
  it("matches the spec's published vector", () => {
    expect(standardSignature(SPEC.id, SPEC.timestamp, SPEC.body, SPEC.secret)).toBe(SPEC.signature);
  });

  it("builds headers, one signature per secret for rotation", () => {
    const other = generateStandardSecret();
    const headers = standardWebhookHeaders(SPEC.id, SPEC.timestamp, SPEC.body, [SPEC.secret, other]);
    expect(headers["webhook-id"]).toBe(SPEC.id);
    expect(headers["webhook-timestamp"]).toBe("1614265330");
    const sigs = (headers["webhook-signature"] ?? "").split(" ");
    expect(sigs).toHaveLength(2);
    expect(sigs[0]).toBe(SPEC.signature);
    expect(sigs[1]).toBe(standardSignature(SPEC.id, SPEC.timestamp, SPEC.body, other));
    expect(sigs[0]).not.toBe(sigs[1]);
  });

  it("verifies, with human reasons on failure", () => {
    const headers = standardWebhookHeaders(SPEC.id, SPEC.timestamp, SPEC.body, [SPEC.secret]);
    expect(verifyStandard(headers, SPEC.body, SPEC.secret, 300, SPEC.timestamp + 10)).toEqual({ ok: true });
    expect(verifyStandard(headers, SPEC.body + "x", SPEC.secret, 300, SPEC.timestamp)).toEqual({
      ok: false,
      reason: "signature does not match",
    });
    expect(verifyStandard(headers, SPEC.body, SPEC.secret, 300, SPEC.timestamp + 301).reason).toBe("timestamp too old");
    expect(verifyStandard(headers, SPEC.body, SPEC.secret, 300, SPEC.timestamp - 301).reason).toBe("timestamp too far in the future");
    const { "webhook-signature": _omit, ...unsigned } = headers;
    expect(verifyStandard(unsigned, SPEC.body, SPEC.secret, 300, SPEC.timestamp).reason).toBe("missing webhook-signature header");
    // Header names are case-insensitive; rotation: the old secret still verifies.
    const rotated = standardWebhookHeaders(SPEC.id, SPEC.timestamp, SPEC.body, [generateStandardSecret(), SPEC.secret]);
    const upper = Object.fromEntries(Object.entries(rotated).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyStandard(upper, SPEC.body, SPEC.secret, 300, SPEC.timestamp).ok).toBe(true);
  });

  it("generates whsec_ secrets of 24 random bytes", () => {
    const secret = generateStandardSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(24);
    expect(generateStandardSecret()).not.toBe(secret);
  });

  it("uses the UTF-8 bytes of a secret without the whsec_ prefix", () => {
    const expected = createHmac("sha256", "plain").update(`${SPEC.id}.${SPEC.timestamp}.${SPEC.body}`).digest("base64");
    expect(standardSignature(SPEC.id, SPEC.timestamp, SPEC.body, "plain")).toBe(`v1,${expected}`);
  });
});
