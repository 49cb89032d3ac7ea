// `npm run cli -- <command>`: administration from the command line.
//   create-user <email> --password <pw> [--role "System Manager" | "Event Publisher"]... [--full-name <name>]
//   api-key --user <name-or-email>      prints `<api_key>:<api_secret>`
import { parseArgs } from "node:util";
import { closeDb, openFromEnv, type DB } from "@/db";
import { migrateDatabase } from "@/db/migrate";
import { createApiKeyUnchecked, createUserUnchecked } from "@/lib/services/user/users";
import { AppError } from "@/lib/errors";
import { ZodError } from "zod";

const USAGE = `Usage:
  npm run cli -- create-user <email> --password <pw> [--role "System Manager"|"Event Publisher"]... [--full-name <name>]
  npm run cli -- api-key --user <name-or-email>`;

async function main(argv: string[]): Promise<number> {
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
