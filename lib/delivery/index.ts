// lib/delivery: the outbox and the log. The only module that reads and writes `delivery`,
// `webhook_request_log` (statuses) and `webhook_request_attempt`; the only way a request
// is built (`prepare` / `finalize`). Services and the dispatcher both go through it.
export { maskSecretsInText } from "@/lib/renderer/mask";
export {
  baseOf,
  curlCommand,
  finalize,
  maskedHeaders,
  prepare,
  queuedHeaders,
  secretValues,
  signatureOfHeaders,
  unsignedSpec,
  type BaseRequest,
  type PreparedRequest,
} from "./request";
export { parseAttemptSignature, sealHeaders } from "./sealed";
export { listenForWork, notifyDeliveriesQueued } from "./signal";
export { queueOf, type QueueName } from "./queues";
export { orderKeyOf } from "./order";
export {
  cancelWebhook,
  holdWebhook,
  insertLog,
  insertLogs,
  logOutcome,
  pendingDeliveryOf,
  waitingBehind,
  releaseWebhook,
  type AttemptRecord,
  type ClaimedDelivery,
  type ClaimRequest,
  type Outcome,
} from "./store";
// The dispatcher's side: claims and outcomes, one source per dialect.
export { openSource, type DeliverySource } from "./source";
export { cappedWebhooks } from "./claims";
export {
  bumpWebhookVersion,
  invalidateWebhookCache,
  rateLimits,
  refreshWebhookCache,
  skipReason,
  toWebhookSpec,
  webhookByName,
  webhooksFor,
  type WebhookWithSpec,
} from "./webhook-spec";
