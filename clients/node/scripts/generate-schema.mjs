// `npm run generate`: rewrites src/schema.ts from the desk's OpenAPI document.
import fs from "node:fs";
import { SCHEMA_FILE, schemaSource } from "./schema-source.mjs";

fs.writeFileSync(SCHEMA_FILE, await schemaSource());
console.log(`wrote ${SCHEMA_FILE}`);
