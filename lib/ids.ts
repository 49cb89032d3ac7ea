import { randomBytes } from "node:crypto";

// Time-sortable ids: prefix + 9 base36 chars of epoch ms + 3 of a per-process sequence
// + 8 random. Sorting by id sorts by creation time (to the ms, then by sequence within
// this process), which keeps keyset pagination and "newest first" lists index-friendly.

const TIME_LEN = 9; // 36^9 ms ≈ year 5188
const SEQ_LEN = 3;
const SEQ_MAX = 36 ** SEQ_LEN;

let lastMs = 0;
let seq = 0;

// Random bytes are drawn from a pool: one randomBytes call per 512 ids instead of per id
// (ingest makes three ids per delivery).
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolAt = 0;

function randomPart(len: number): string {
  if (poolAt + len > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  let out = "";
  for (let i = 0; i < len; i++) out += ((pool[poolAt + i] ?? 0) % 36).toString(36);
  poolAt += len;
  return out;
}

export function newId(prefix = "", now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else {
    // Same ms (or the clock stepped back): keep ids increasing within this process.
    seq += 1;
    if (seq >= SEQ_MAX) {
      lastMs += 1;
      seq = 0;
    }
  }
  return prefix + lastMs.toString(36).padStart(TIME_LEN, "0") + seq.toString(36).padStart(SEQ_LEN, "0") + randomPart(8);
}
