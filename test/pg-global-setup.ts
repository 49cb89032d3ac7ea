// vitest.pg.config.ts's globalSetup: before any suite runs, DATABASE_URL must name a
// PostgreSQL 15+ server this process can reach and create databases on (test/db.ts makes
// one per test). Fails once, with the reason, instead of in every test.
import pg from "pg";

const MIN_MAJOR = 15;

export default async function checkServer(): Promise<void> {
  const url = process.env.DATABASE_URL ?? "";
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(
      "The PostgreSQL pass needs DATABASE_URL=postgres://… (a server where the tests may create databases); " +
        "scripts/test-pg.sh starts a throwaway one and runs it.",
    );
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`The PostgreSQL pass cannot reach DATABASE_URL (${url}): ${(e as Error).message}`);
  }
  try {
    const { rows } = await client.query<{ version: string; createdb: boolean }>(
      "SELECT current_setting('server_version_num') AS version, rolcreatedb OR rolsuper AS createdb FROM pg_roles WHERE rolname = current_user",
    );
    const major = Math.floor(Number(rows[0]?.version) / 10_000);
    if (major < MIN_MAJOR) throw new Error(`The PostgreSQL pass needs PostgreSQL ${MIN_MAJOR}+; DATABASE_URL's server is ${major}.`);
    if (!rows[0]?.createdb) throw new Error("The PostgreSQL pass creates a database per test: DATABASE_URL's role needs CREATEDB.");
  } finally {
    await client.end();
  }
}
