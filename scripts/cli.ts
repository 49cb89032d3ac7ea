// `npm run cli -- <command>`: administration from the command line.
//   create-user <email> --password <pw> [--role "System Manager" | "Event Publisher"]... [--full-name <name>]
//   api-key --user <name-or-email>      prints `<api_key>:<api_secret>`
//   copy-to --database postgres://…     copies this SQLite desk into an empty PostgreSQL database
import { parseArgs } from "node:util";
import { closeDb, openFromEnv, type DB } from "@/db";
import { CopyError, copyToPostgres } from "@/db/copy-to";
import { migrateDatabase } from "@/db/migrate";
import "@/lib/delivery";
import { createApiKeyUnchecked, createUserUnchecked } from "@/lib/services/user/users";
import { checkEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { ZodError } from "zod";
import { databaseName } from "./database-name";

const USAGE = `Usage:
  npm run cli -- create-user <email> --password <pw> [--role "System Manager"|"Event Publisher"]... [--full-name <name>]
  npm run cli -- api-key --user <name-or-email>
  npm run cli -- copy-to --database postgres://user:pass@host:5432/db`;

async function main(argv: string[]): Promise<number> {
  checkEnv();
  const db = openFromEnv();
  try {
    await migrateDatabase(db);
    return await run(db, argv);
  } finally {
    await closeDb(db);
  }
}

async function run(db: DB, argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "create-user": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          password: { type: "string" },
          role: { type: "string", multiple: true },
          "full-name": { type: "string" },
        },
      });
      const email = positionals[0];
      if (!email || !values.password) {
        console.error(USAGE);
        return 2;
      }
      const name = await createUserUnchecked(db, {
        email,
        password: values.password,
        roles: values.role ?? [],
        fullName: values["full-name"] ?? "",
      });
      console.log(`Created user ${name}${values.role?.length ? ` with roles: ${values.role.join(", ")}` : ""}`);
      return 0;
    }
    case "api-key": {
      const { values } = parseArgs({ args: rest, options: { user: { type: "string" } } });
      if (!values.user) {
        console.error(USAGE);
        return 2;
      }
      const k = await createApiKeyUnchecked(db, values.user);
      console.log(`${k.key}:${k.secret}`);
      return 0;
    }
    case "copy-to": {
      const { values } = parseArgs({ args: rest, options: { database: { type: "string" } } });
      if (!values.database) {
        console.error(USAGE);
        return 2;
      }
      const target = databaseName(values.database, "pg");
      console.log(`Copying ${databaseName()} into ${target} …`);
      try {
        const report = await copyToPostgres(db, values.database, (table, rows) =>
          console.log(`  ${table}: ${rows} row${rows === 1 ? "" : "s"}`),
        );
        console.log(
          `Copied ${report.rows} rows in ${report.ms} ms; ${report.queued} pending deliver${report.queued === 1 ? "y" : "ies"} queued on pg-boss.`,
        );
        console.log(
          "Every node on the new database needs this desk's secrets: set WEBHOOK_DESK_ENCRYPTION_KEY and NEXTAUTH_SECRET to the contents of data/encryption.key and data/nextauth.secret (unless they were already set), then DATABASE_URL to the new database.",
        );
        return 0;
      } catch (e) {
        if (e instanceof CopyError) {
          console.error(`Error: ${e.message}`);
          return 1;
        }
        throw e;
      }
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof AppError) console.error(`Error: ${err.message}`);
    else if (err instanceof ZodError) console.error(`Error: ${err.issues.map((i) => i.message).join("; ")}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
