import { describe, expect, it } from "vitest";
import { operationColor, subjectHref } from "./activity-display";

describe("subjectHref", () => {
  it("links users and webhooks, encoding the whole name", () => {
    expect(subjectHref("User/ann@example.com")).toBe("/app/user/ann%40example.com");
    expect(subjectHref("Webhook/Orders to ERP/v2?x=1#a")).toBe("/app/webhook/Orders%20to%20ERP%2Fv2%3Fx%3D1%23a");
  });

  it("leaves other subjects unlinked", () => {
    for (const s of ["", "User/", "/x", "DocType/ToDo", "plain text", "user/ann"]) expect(subjectHref(s)).toBeUndefined();
  });
});

describe("operationColor", () => {
  it("marks refusals red and unknown operations gray", () => {
    expect(operationColor("Login Failed")).toBe("red");
    expect(operationColor("Login")).toBe("green");
    expect(operationColor("Something Retired")).toBe("gray");
  });
});
