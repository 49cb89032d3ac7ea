// Max Requests per Second: what both dialects' claims share. A rate-limited webhook has one
// row in webhook_rate_slot, the earliest time its next request may go; a claim reserves a slot
// per claimed delivery by advancing it in one statement (INSERT … ON CONFLICT DO UPDATE …
// RETURNING, inside the claim's transaction), so dispatchers in any number of processes share
// the one limit. A delivery whose slot is still to come is not sent: its lease goes back and it
// comes due at its slot (delivery.rate_slot keeps it, so it is not reserved twice), taking no
// concurrency slot while it waits, and the dispatcher's due timer wakes for it. Slots are
// reserved at most RESERVE_AHEAD_MS ahead: beyond that a webhook is "saturated", and claims pass
// its deliveries without a slot by (they wait, due, taking nothing), so a large backlog of one
// limited webhook is neither reserved all at once nor stands in front of other webhooks' work.
// Webhooks without a limit never reach this code.

/** How far ahead of now slots are reserved (one at least, however slow the rate). */
const RESERVE_AHEAD_MS = 1000;

/**
 * The rate-limited webhooks whose next free slot is beyond the reservation horizon, in SQL both
 * dialects run (`now` is the parameter given): their deliveries without a slot are passed by.
 */
export const saturatedSql = (now: string) => `SELECT webhook FROM webhook_rate_slot WHERE next_at > ${now} + ${RESERVE_AHEAD_MS}`;

/** Milliseconds between two requests of a webhook limited to `perSecond`, rounded up (never faster). */
export const slotIntervalMs = (perSecond: number) => Math.max(1, Math.ceil(1000 / perSecond));

/** A claimed delivery as the rate plan reads it. */
export interface RateRow {
  id: string;
  webhook: string | null;
  /** The slot it reserved earlier (delivery.rate_slot), if any. */
  rate_slot: number | null;
}

export interface RatePlan<T> {
  /** Sent now. */
  send: T[];
  /** Of those, the ones that used a slot reserved earlier (their rate_slot is cleared). */
  usedSlots: string[];
  /** Leases given back: due again at `at`, the slot each now holds. */
  defer: { row: T; at: number }[];
  /** Leases given back without a slot (beyond the horizon): due now, passed by until slots near. */
  release: T[];
}

const needsSlot = (r: RateRow, rates: ReadonlyMap<string, number>) => r.webhook !== null && rates.has(r.webhook) && r.rate_slot === null;

/** Per rate-limited webhook of a claimed batch, how many of its rows want a slot, and how far apart. */
export function slotsWanted(
  rows: RateRow[],
  rates: ReadonlyMap<string, number> | undefined,
): Map<string, { n: number; intervalMs: number }> {
  const out = new Map<string, { n: number; intervalMs: number }>();
  if (!rates?.size) return out;
  for (const r of rows) {
    if (!needsSlot(r, rates) || r.webhook === null) continue;
    const w = out.get(r.webhook) ?? { n: 0, intervalMs: slotIntervalMs(rates.get(r.webhook) ?? 1) };
    w.n += 1;
    out.set(r.webhook, w);
  }
  return out;
}

/**
 * How many of `wanted` slots to reserve when the webhook's next free slot is `nextAt` (undefined:
 * no row yet): those that start within the horizon, at least one unless it is saturated.
 */
export function slotsToReserve(wanted: number, intervalMs: number, nextAt: number | undefined, now: number): number {
  const from = Math.max(nextAt ?? now, now);
  if (from > now + RESERVE_AHEAD_MS) return 0;
  return Math.min(wanted, Math.floor((now + RESERVE_AHEAD_MS - from) / intervalMs) + 1);
}

/**
 * Splits a claimed batch into what goes now, what waits for its slot and what goes back without
 * one, given the first of the n slots each webhook of slotsWanted got (absent: the webhook is
 * gone; send, and the dispatcher cancels it). Rows of one webhook take its slots in batch order.
 */
export function planRate<T extends RateRow>(
  rows: T[],
  rates: ReadonlyMap<string, number> | undefined,
  firsts: ReadonlyMap<string, { first: number; n: number }>,
  now: number,
): RatePlan<T> {
  const plan: RatePlan<T> = { send: [], usedSlots: [], defer: [], release: [] };
  if (!rates?.size) return { ...plan, send: rows };
  const taken = new Map<string, number>();
  for (const r of rows) {
    const at = slotOf(r, rates, firsts, taken);
    if (at === null) plan.release.push(r);
    else if (at === undefined || at <= now) {
      plan.send.push(r);
      if (r.rate_slot !== null && at !== undefined) plan.usedSlots.push(r.id);
    } else plan.defer.push({ row: r, at });
  }
  return plan;
}

/**
 * A row's slot: the one it holds, else the next of its webhook's new ones; undefined: no limit
 * applies (or the webhook is gone); null: none reserved for it this time (beyond the horizon).
 */
function slotOf(
  r: RateRow,
  rates: ReadonlyMap<string, number>,
  firsts: ReadonlyMap<string, { first: number; n: number }>,
  taken: Map<string, number>,
): number | null | undefined {
  if (r.webhook === null || !rates.has(r.webhook)) return undefined;
  if (r.rate_slot !== null) return r.rate_slot;
  const got = firsts.get(r.webhook);
  if (got === undefined) return undefined;
  const i = taken.get(r.webhook) ?? 0;
  if (i >= got.n) return null;
  taken.set(r.webhook, i + 1);
  return got.first + i * slotIntervalMs(rates.get(r.webhook) ?? 1);
}

/**
 * The reservation, in SQL both dialects run: the first slot is the later of the stored one and
 * now; the row moves on by n intervals. Nothing for a webhook deleted meanwhile (no row to
 * select, so no foreign-key failure in the claim's transaction). Parameters: webhook, now, n ×
 * interval, as $1…$3 (PostgreSQL) or ?1…?3 (SQLite).
 */
export const reserveSql = (p: (i: number) => string, greatest: string) =>
  `INSERT INTO webhook_rate_slot (webhook, next_at)
   SELECT name, ${p(2)} + ${p(3)} FROM webhook WHERE name = ${p(1)}
   ON CONFLICT (webhook) DO UPDATE SET next_at = ${greatest}(webhook_rate_slot.next_at, ${p(2)}) + ${p(3)}
   RETURNING next_at - ${p(3)} AS first`;
