// Starts the webhook dispatcher inside the Next.js server process (unless WEBHOOK_WORKER=0,
// when `npm run worker` runs it as its own process).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.WEBHOOK_WORKER !== "0") {
    const { startDispatcher } = await import("./lib/dispatcher");
    startDispatcher();
  }
}
