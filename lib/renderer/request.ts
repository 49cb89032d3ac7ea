// The one request builder shared by the live preview and the dispatcher, so what the
// preview shows is byte-for-byte what gets sent (and signed).
import { FRAPPE_SIGNATURE_HEADER } from "@/lib/constants";
import { RenderError, TemplateError } from "./errors";
import { maskHeaders } from "./mask";
import { resolveFieldPath } from "./sandbox";
import { frappeSignature } from "./signature";
import { renderTemplate } from "./template";
import type { Doc, RenderContext, RenderedRequest, WebhookSpec } from "./types";

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function templateFailure(err: unknown, part: "url" | "body"): RenderError {
  if (err instanceof TemplateError) {
    const where = err.line === undefined ? "" : ` at line ${err.line}`;
    const prefix = err.syntax ? `Syntax error in template${where}` : `Template error${where}`;
    return new RenderError(`${prefix}: ${err.message}`, part, err.line, { cause: err });
  }
  return new RenderError(err instanceof Error ? err.message : String(err), part, undefined, { cause: err });
}

function buildUrl(spec: WebhookSpec, doc: Doc): string {
  if (!spec.isDynamicUrl) return spec.requestUrl.trim();
  try {
    return renderTemplate(spec.requestUrl, { doc }).trim();
  } catch (err) {
    throw templateFailure(err, "url");
  }
}

/** The Data table as an object: key → value of the (possibly dotted) fieldname. */
function dataMapping(spec: WebhookSpec, doc: Doc): Record<string, unknown> | null {
  const rows = spec.data.filter((r) => r.key.trim() !== "" && r.fieldname.trim() !== "");
  if (rows.length === 0) return null;
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    const key = row.key.trim();
    // defineProperty so a key named "__proto__" is stored as data, not as a prototype.
    Object.defineProperty(out, key, {
      value: resolveFieldPath(doc, row.fieldname.trim()),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function formValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch (err) {
    throw new RenderError(`Could not serialize the document: ${err instanceof Error ? err.message : String(err)}`, "body");
  }
}

interface Body {
  body: string;
  contentType?: string;
}

function buildBody(spec: WebhookSpec, doc: Doc, ctx: RenderContext): Body {
  switch (spec.requestStructure) {
    case "Form URL-Encoded": {
      const mapping = dataMapping(spec, doc);
      if (mapping === null) return { body: "" };
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(mapping)) params.append(k, formValue(v));
      return { body: params.toString(), contentType: FORM_TYPE };
    }
    case "JSON": {
      if (spec.webhookJson.trim() === "") return { body: "" };
      let text: string;
      try {
        text = renderTemplate(spec.webhookJson, { doc }, { json: true }).trim();
      } catch (err) {
        throw templateFailure(err, "body");
      }
      if (text === "") return { body: "" };
      try {
        JSON.parse(text);
      } catch (err) {
        throw new RenderError(`Invalid JSON in rendered body: ${err instanceof Error ? err.message : String(err)}`, "body");
      }
      return { body: text, contentType: JSON_TYPE };
    }
    case "Event Envelope": {
      const envelope = {
        event_time: ctx.eventTime ?? new Date().toISOString(),
        event_type: `${ctx.doctype}.${ctx.event}`,
        current_context: {
          user: ctx.user ?? null,
          doctype: ctx.doctype,
          name: typeof doc.name === "string" || typeof doc.name === "number" ? doc.name : null,
          event_id: ctx.eventId ?? null,
        },
        data: dataMapping(spec, doc) ?? doc,
      };
      return { body: stringify(envelope), contentType: JSON_TYPE };
    }
    default: {
      // Frappe sends json.dumps of the mapping even when it is empty, so no rows means `{}`.
      return { body: stringify(dataMapping(spec, doc) ?? {}), contentType: JSON_TYPE };
    }
  }
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) delete headers[key];
  }
  headers[name] = value;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === lower);
}

function checkHeader(name: string, value: string): void {
  if (!HEADER_NAME.test(name)) throw new RenderError(`Invalid header name "${name}"`, "headers");
  if (/[\r\n\0]/.test(value)) throw new RenderError(`Invalid value for header "${name}": line breaks are not allowed`, "headers");
}

/** Computes method, URL, headers and exact body for one delivery of `spec` about `doc`. */
export function buildRequest(spec: WebhookSpec, doc: Doc, ctx: RenderContext): RenderedRequest {
  const url = buildUrl(spec, doc);
  const { body, contentType } = buildBody(spec, doc, ctx);
  const headers: Record<string, string> = {};
  for (const row of spec.headers) {
    const key = row.key.trim();
    const value = row.value.trim();
    // Frappe drops header rows that lack a key or a value.
    if (key === "" || value === "") continue;
    checkHeader(key, value);
    setHeader(headers, key, value);
  }
  if (contentType !== undefined && body !== "" && !hasHeader(headers, "Content-Type")) headers["Content-Type"] = contentType;
  const apiKey = spec.apiKey?.trim();
  if (apiKey) {
    const name = spec.apiKeyHeader?.trim() || "X-API-Key";
    checkHeader(name, apiKey);
    setHeader(headers, name, apiKey);
  }
  if (spec.enableSecurity && spec.webhookSecret && (spec.signatureScheme === "frappe" || spec.signatureScheme === "both")) {
    setHeader(headers, FRAPPE_SIGNATURE_HEADER, frappeSignature(body, spec.webhookSecret));
  }
  return { method: spec.requestMethod, url, headers, body };
}

function contentTypeOf(headers: Record<string, string>): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === "content-type");
  return key === undefined ? undefined : headers[key];
}

/**
 * Human-readable body: JSON pretty-printed, form bodies as decoded `key = value` lines,
 * anything else unchanged. Accepts the body text or a whole rendered request.
 */
export function prettyBody(body: string | Pick<RenderedRequest, "body" | "headers">, contentType?: string): string {
  const text = typeof body === "string" ? body : body.body;
  const type = (contentType ?? (typeof body === "string" ? undefined : contentTypeOf(body.headers)) ?? "").toLowerCase();
  if (text.trim() === "") return "";
  if (type.includes("x-www-form-urlencoded")) {
    return [...new URLSearchParams(text)].map(([k, v]) => `${k} = ${v}`).join("\n");
  }
  if (type === "" || type.includes("json")) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A copy-pasteable curl command; secret header values are masked unless asked otherwise. */
export function toCurl(req: RenderedRequest, maskSecrets = true): string {
  const headers = maskSecrets ? maskHeaders(req.headers) : req.headers;
  const parts = [`curl -X ${req.method} ${shellQuote(req.url)}`];
  for (const [k, v] of Object.entries(headers)) parts.push(`-H ${shellQuote(`${k}: ${v}`)}`);
  if (req.body !== "") parts.push(`--data-raw ${shellQuote(req.body)}`);
  return parts.join(" \\\n  ");
}
