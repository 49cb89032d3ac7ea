// Starts the webhook dispatcher inside the Next.js server process (unless WEBHOOK_WORKER=0,
// when `npm run worker` runs it as its own process).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // The dummy password hash that unknown user names are checked against: made now, so the
  // first sign-in with a made-up name takes no longer than one with a real name.
  const { dummyHash } = await import("./lib/auth/password");
  void dummyHash();
  if (process.env.WEBHOOK_WORKER !== "0") {
    const { startDispatcher } = await import("./lib/dispatcher");
    startDispatcher();
  }
}
