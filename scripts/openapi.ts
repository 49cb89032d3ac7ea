// Prints the desk's OpenAPI document (lib/openapi/document.ts) as JSON on stdout: the input of
// clients/node's generated types (clients/node/scripts/generate-schema.mjs and its check).
import { openApiDocument } from "@/lib/openapi/document";

process.stdout.write(JSON.stringify(openApiDocument(), null, 2) + "\n");
