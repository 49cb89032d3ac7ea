// The renderer's inputs and outputs: plain data, no Drizzle, so the preview (server),
// the dispatcher and tests share one contract.
import type { RequestMethod, RequestStructure, SignatureScheme } from "@/lib/constants";

export type Doc = Record<string, unknown>;

export interface WebhookSpec {
  name: string;
  webhookDoctype: string;
  webhookDocevent: string;
  webhookEvents?: string[];
  enabled: boolean;
  condition: string;
  requestUrl: string;
  isDynamicUrl: boolean;
  timeout: number;
  requestMethod: RequestMethod;
  requestStructure: RequestStructure;
  enableSecurity: boolean;
  /** Plain text (already decrypted); undefined when not set. */
  webhookSecret?: string;
  /** Still-valid previous secret during rotation (plain text). */
  previousSecret?: string;
  signatureScheme: SignatureScheme;
  webhookJson: string;
  headers: { key: string; value: string }[];
  data: { fieldname: string; key: string }[];
  apiKey?: string;
  apiKeyHeader?: string;
}

/** Who/what caused the request; used by the event envelope and templates. */
export interface RenderContext {
  doctype: string;
  event: string;
  user?: string | null;
  eventId?: string;
  /** ISO 8601; defaults to now. */
  eventTime?: string;
}

export interface RenderedRequest {
  method: RequestMethod;
  url: string;
  /** Final headers, in order, unmasked (secret-derived values included). */
  headers: Record<string, string>;
  /** Exact body bytes as text; "" for none. */
  body: string;
}
