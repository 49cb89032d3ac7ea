import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

describe("safeNext", () => {
  it("keeps local paths with their query", () => {
    expect(safeNext("/app/webhook?enabled=1")).toBe("/app/webhook?enabled=1");
    expect(safeNext("/app/webhook/My%20Hook")).toBe("/app/webhook/My%20Hook");
  });
  it("refuses anything that leaves the site", () => {
    for (const bad of [
      "//evil.example/x",
      "/\\evil.example/x",
      "/\\/evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      "",
      undefined,
      "app",
    ]) {
      expect(safeNext(bad)).toBe("/app");
    }
  });
  it("never returns a protocol-relative path, whatever dot segments hide it", () => {
    for (const sneaky of [
      "/.//127.0.0.1:4102/phished",
      "/..//evil.example/x",
      "/./\\evil.example",
      "/%2e//evil.example",
      "/a/..//evil.example",
    ]) {
      const out = safeNext(sneaky);
      expect(out.startsWith("/")).toBe(true);
      expect(out).not.toMatch(/^[/\\]{2}/);
      expect(new URL(out, "http://desk.example").origin).toBe("http://desk.example");
    }
  });
});
