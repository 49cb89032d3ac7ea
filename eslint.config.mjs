import js from "@eslint/js";
import drizzle from "eslint-plugin-drizzle";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      "db/migrations/**",
      "db/migrations-pg/**",
      "test-results/**",
      "playwright-report/**",
      "bench/results/**",
      ".e2e-data/**",
      ".workers/**",
      "next-env.d.ts",
      // clients/node: its build output, and its types generated from the OpenAPI document.
      "clients/node/dist/**",
      "clients/node/src/schema.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { drizzle, "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      // update/delete without where wipe a table (t3's _eslint.drizzle.js)
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // One set of services on both dialects: queries are awaited (PostgreSQL's builders have
    // no synchronous .all()/.get()/.run()), and raw connections stay in db/ and the SQLite
    // delivery store. A forgotten await on an async data call is an error.
    files: ["app/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}", "scripts/**/*.ts"],
    ignores: ["lib/delivery/store*.ts", "lib/delivery/sealed.ts", "**/*.test.ts", "scripts/bench*.ts", "scripts/fill-logs.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[arguments.length=0][callee.type='MemberExpression'][callee.property.name=/^(all|get|run|values)$/]",
          message: "Await the query instead: PostgreSQL's drizzle builders have no synchronous .all()/.get()/.run() (db/index.ts).",
        },
        {
          selector: "MemberExpression[property.name='$client']",
          message: "Raw connections stay in db/ and the dialect stores; use drizzle, rawAll/rawRun (db/index.ts).",
        },
      ],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    // Client components and the schemas they build: zod from lib/zod.ts (jitless in the
    // browser, so the CSP without 'unsafe-eval' reports no violation).
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "lib/**/*.schema.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "zod", message: 'Import { z } from "@/lib/zod" (jitless in the browser; see lib/zod.ts).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.mjs", "scripts/**/*.mjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        fetch: "readonly",
        globalThis: "readonly",
      },
    },
  },
);
