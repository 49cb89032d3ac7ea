// `npm run worker`: the webhook dispatcher as its own process (start the server with
// WEBHOOK_WORKER=0). SIGTERM stops claiming, lets in-flight requests finish (bounded) and
// releases the rest; after a kill -9, expired leases are reclaimed by the next start.
import { getDb } from "@/db";
import { migrateDb } from "@/db/migrate";
import { databasePath } from "@/lib/config";
import { startDispatcher } from "@/lib/dispatcher";

const db = getDb();
migrateDb(db);
startDispatcher({ db, signals: "worker" });
console.log(`[worker] dispatching from ${databasePath()}`);
