/** Path of the SQLite file named by DATABASE_URL (`file:./data/desk.db` or a plain path). */
export function databasePath(url?: string): string;
/** Where generated secrets live: DATA_DIR, else the SQLite file's folder; ./data on PostgreSQL. */
export function dataDir(env?: Record<string, string | undefined>): string;
