// Queue names and per-webhook send settings shared by ingest, the desk and the dispatcher.
import { QUEUES } from "@/lib/constants";

export type QueueName = (typeof QUEUES)[number];

export const DEFAULT_TIMEOUT_MS = 5000;

export function queueOf(name: string | null | undefined): QueueName {
  return (QUEUES as readonly string[]).includes(name ?? "") ? (name as QueueName) : "default";
}
