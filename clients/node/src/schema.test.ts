// src/schema.ts is what openapi-typescript makes of the desk's current OpenAPI document.
import fs from "node:fs";
import { expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs helper without types
import { SCHEMA_FILE, schemaSource } from "../scripts/schema-source.mjs";

it("src/schema.ts is up to date with the server's OpenAPI document (else: npm run generate -w @webhook-desk/client)", async () => {
  expect(fs.readFileSync(SCHEMA_FILE, "utf8")).toBe(await schemaSource());
}, 60_000);
