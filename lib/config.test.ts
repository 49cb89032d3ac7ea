import path from "node:path";
import { describe, expect, it } from "vitest";
import { databasePath } from "./config";

describe("databasePath", () => {
  it("reads file: URLs and plain paths", () => {
    expect(databasePath("file:./data/desk.db")).toBe(path.resolve("data/desk.db"));
    expect(databasePath("/tmp/x.db")).toBe("/tmp/x.db");
    expect(databasePath("file::memory:")).toBe(":memory:");
  });
});
