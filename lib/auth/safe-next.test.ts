import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

describe("safeNext", () => {
  it("keeps local paths with their query", () => {
    expect(safeNext("/app/webhook?enabled=1")).toBe("/app/webhook?enabled=1");
    expect(safeNext("/app/webhook/My%20Hook")).toBe("/app/webhook/My%20Hook");
  });
  it("refuses anything that leaves the site", () => {
    for (const bad of ["//evil.example/x", "/\\evil.example/x", "/\\/evil.example", "https://evil.example", "javascript:alert(1)", "", undefined, "app"]) {
      expect(safeNext(bad)).toBe("/app");
    }
  });
});
