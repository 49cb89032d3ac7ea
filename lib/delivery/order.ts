// Send in Order per Document: what both dialects' claims share. A webhook with the check on
// gives each delivery ingest queues for it an order key, the document it is about (DocType and
// name); a delivery with a key is not claimed while an earlier delivery of the same webhook
// and key is still pending (due, waiting for a retry, in flight or held), so the receiver sees
// a document's requests in the order they were queued. A pending delivery is a row of
// `delivery`: the row goes when the request ends Delivered, Exhausted, Error or Cancelled, and
// the next one of its document may go from then on. Other documents, and webhooks without the
// check, are not held up by it.
//
// "Earlier" is the order of delivery ids: they sort by the time they were made, and within a
// millisecond by a per-process sequence (lib/ids.ts), so one host app's events keep the order
// they were posted in (deliveries of one document queued by two desk processes in the same
// millisecond were never ordered to begin with). On PostgreSQL a blocked delivery's fetched
// job is dropped (delivery.job NULL: it waits without one), and the request that ends before
// it gives the next delivery of its document a new job (store-pg.ts, wakeSuccessors).
//
// A manual resend of a pending delivery keeps its place in its document's order (Re-render and
// send gives it a new id: it goes to the end); a resend of a finished one, and Send Test, are
// not ordered.

/** The order key of a delivery about one document. */
export const orderKeyOf = (doctype: string, name: string) => JSON.stringify([doctype, name]);

/**
 * SQL true when the delivery aliased `d` waits for an earlier one of its document, in either
 * dialect (`collate`: PostgreSQL compares the ids byte by byte, as SQLite does).
 */
export const orderBlockedSql = (d: string, collate = "") =>
  `(${d}.order_key IS NOT NULL AND EXISTS (SELECT 1 FROM delivery p
     WHERE p.webhook = ${d}.webhook AND p.order_key = ${d}.order_key AND p.id${collate} < ${d}.id${collate}))`;
