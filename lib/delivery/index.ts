// lib/delivery: the outbox and the log. The only module that reads and writes `delivery`,
// `webhook_request_log` (statuses) and `webhook_request_attempt`; the only way a request
// is built (`prepare` / `finalize`). Services and the dispatcher both go through it.
export { maskSecretsInText } from "@/lib/renderer/mask";
export {
  apiKeyHeaderOf,
  baseOf,
  curlCommand,
  finalize,
  maskedHeaders,
  prepare,
  queuedHeaders,
  render,
  secretValues,
  signatureOfHeaders,
  signsStandard,
  unsignedSpec,
  type AttemptSignature,
  type BaseRequest,
  type PreparedRequest,
} from "./request";
export { isSealed, parseAttemptSignature, sealHeaders, unsealHeaders } from "./sealed";
export { notifyDeliveriesQueued, notifyJobQueued, onWork } from "./signal";
export { DEFAULT_TIMEOUT_MS, queueOf, type QueueName } from "./queues";
export {
  cancelWebhook,
  claimDue,
  cycle,
  deliveryIdTaken,
  holdWebhook,
  insertLog,
  logOutcome,
  nextDueAt,
  pendingDeliveryOf,
  purgeLogsBefore,
  recordOutcomes,
  releaseAll,
  releaseWebhook,
  requeue,
  type AttemptRecord,
  type ClaimedDelivery,
  type ClaimRequest,
  type NewDelivery,
  type NewLog,
  type Outcome,
} from "./store";
export {
  enabledWebhooksFor,
  invalidateWebhookCache,
  refreshWebhookCache,
  skipReason,
  subscribedEvents,
  toWebhookSpec,
  webhookByName,
  webhooksFor,
  type WebhookWithSpec,
} from "./webhook-spec";
