// Starts delivery inside the Next.js server process: the dispatcher and maintenance
// threads (WEBHOOK_WORKER=0 leaves dispatching to `npm run worker` processes), and the
// render pool's threads. On PostgreSQL (DATABASE_URL=postgres://…) the threads open their
// own pools on it and share the pg-boss queues with every other server and worker.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // The dummy password hash that unknown user names are checked against: made now, so the
  // first sign-in with a made-up name takes no longer than one with a real name.
  const { dummyHash } = await import("./lib/auth/password");
  void dummyHash();
  const { startDeliveryThreads } = await import("./lib/dispatcher");
  startDeliveryThreads({ dispatcher: process.env.WEBHOOK_WORKER !== "0" });
  const { renderPool } = await import("./lib/renderer/pool");
  renderPool().warm();
}
