import { describe, expect, it } from "vitest";
import { maskHeaders, maskSecretsInText } from "./mask";

describe("maskHeaders", () => {
  it("masks secret-bearing headers, keeping the last 4 characters of long values", () => {
    const masked = maskHeaders(
      {
        "Content-Type": "application/json",
        "X-Frappe-Webhook-Signature": "abcdefghijklmnopqrstuvwxyz0123456789==",
        "webhook-signature": "v1,short",
        Authorization: "Bearer 0123456789abcdef",
        "Proxy-Authorization": "Basic xyz",
        Cookie: "sid=1",
        "X-API-Key": "k",
        "X-Client-Secret": "1234567890123456",
        "X-Auth-Token": "12345678901234567",
        "X-ApiKey": "x",
        "X-Password": "p",
        "X-Custom": "visible",
        "X-Tenant": "tenant-key-value-here",
      },
      ["x-tenant"],
    );
    expect(masked).toEqual({
      "Content-Type": "application/json",
      "X-Frappe-Webhook-Signature": "***89==",
      "webhook-signature": "***",
      Authorization: "***cdef",
      "Proxy-Authorization": "***",
      Cookie: "***",
      "X-API-Key": "***",
      "X-Client-Secret": "***",
      "X-Auth-Token": "***4567",
      "X-ApiKey": "***",
      "X-Password": "***",
      "X-Custom": "visible",
      "X-Tenant": "***here",
    });
  });

  it("accepts a spec-like object naming a custom API key header, and is idempotent", () => {
    const once = maskHeaders({ "X-Tenant": "a-very-long-tenant-key" }, { apiKeyHeader: "X-Tenant" });
    expect(once).toEqual({ "X-Tenant": "***-key" });
    expect(maskHeaders(once, ["X-Tenant"])).toEqual(once);
  });
});

describe("maskSecretsInText", () => {
  it("replaces every occurrence of each secret", () => {
    expect(maskSecretsInText("key=abc123&again=abc123&other=zz", ["abc123", "zz", "", null])).toBe("key=***&again=***&other=***");
  });
});
