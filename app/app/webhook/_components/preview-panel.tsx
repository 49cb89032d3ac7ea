"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useWatch } from "react-hook-form";
import { Field, Section } from "@/components/desk/form-view";
import type { PreviewResult } from "@/lib/services/webhook/webhook-preview";
import { DocumentCombobox } from "./document-combobox";
import { previewQuery, type PreviewRequest } from "./queries";
import { SendTest } from "./send-test";
import { useDebounced, useWebhookForm } from "./use-webhook-form";

const SELECT_CONDITION = "Select a document to check if it meets conditions.";
const SELECT_BODY = "Select a document to preview request data";

/**
 * Frappe's Preview section, rendered live from the unsaved form (debounced) by the same
 * renderer the dispatcher uses. Also reports the body template's syntax error upward so
 * the editor can mark its line while the user types.
 */
export function PreviewSection({
  savedName,
  onTemplateError,
  onDocument,
}: {
  savedName?: string;
  onTemplateError: (e: PreviewResult["template_error"] | null) => void;
  /** The selected preview document ("" for none), for the check after a save. */
  onDocument: (name: string) => void;
}) {
  const { control } = useWebhookForm();
  const values = useWatch({ control });
  const doctype = values.webhook_doctype ?? "";
  const [doc, setDoc] = useState("");
  const [copied, setCopied] = useState<boolean | null>(null);

  // Documents belong to one DocType: a new DocType starts without a preview document.
  const [docFor, setDocFor] = useState(doctype);
  if (docFor !== doctype) {
    setDocFor(doctype);
    setDoc("");
  }

  const request: PreviewRequest = { webhook: values, document: doc, ...(savedName ? { saved_name: savedName } : {}) };
  const settled = useDebounced(JSON.stringify(request), 300);
  // Keep showing the last preview while the next one renders, instead of flashing empty.
  const preview = useQuery({ ...previewQuery(JSON.parse(settled) as PreviewRequest), placeholderData: keepPreviousData });
  const data = preview.data;
  const templateError = data?.template_error ?? null;

  // The parent compares by content, so a new but equal error does not re-render the form.
  useEffect(() => onTemplateError(templateError), [templateError, onTemplateError]);
  useEffect(() => onDocument(doc), [doc, onDocument]);

  useEffect(() => {
    if (copied === null) return;
    const t = setTimeout(() => setCopied(null), 2500);
    return () => clearTimeout(t);
  }, [copied]);

  const meets = !doc ? SELECT_CONDITION : (data?.meets_condition ?? "…");
  const body = !doc ? SELECT_BODY : (data?.request_body ?? "…");
  const lines = Math.min(24, Math.max(4, body.split("\n").length));

  async function copyCurl() {
    if (!data?.curl) return;
    setCopied(await copyText(data.curl));
  }

  return (
    <Section title="Preview">
      <div className="columns">
        <div>
          <Field
            id="preview_document"
            label="Select Document"
            help={doctype ? `A stored ${doctype} to render the request with.` : undefined}
          >
            <DocumentCombobox id="preview_document" doctype={doctype} value={doc} onChange={setDoc} />
          </Field>
          <Field id="meets_condition" label="Meets Condition?">
            <textarea
              id="meets_condition"
              className={`static-value${meets === "Yes" ? " yes" : meets === "No" ? " no" : ""}`}
              rows={1}
              readOnly
              value={meets}
            />
          </Field>
        </div>
        <div className="preview-request" aria-live="polite">
          <div className="row preview-head">
            <span className="label">Request</span>
            {preview.isFetching && <span className="muted">Updating…</span>}
            <button
              type="button"
              className="btn btn-sm"
              style={{ marginLeft: "auto" }}
              onClick={() => void copyCurl()}
              disabled={!doc || !data?.curl}
            >
              Copy as cURL
            </button>
          </div>
          <dl className="kv preview-kv">
            <dt>Method</dt>
            <dd data-testid="preview-method">{data?.method ?? values.request_method ?? "POST"}</dd>
            <dt>URL</dt>
            <dd data-testid="preview-url" className="mono">
              {data?.url || <span className="muted">—</span>}
            </dd>
            <dt>Headers</dt>
            <dd data-testid="preview-headers" className="mono">
              {data && Object.keys(data.headers).length ? (
                Object.entries(data.headers).map(([k, v]) => (
                  <div key={k}>
                    {k}: {v}
                  </div>
                ))
              ) : (
                <span className="muted">{doc ? "None" : "—"}</span>
              )}
            </dd>
          </dl>
          {doc && data?.curl && (
            <details className="preview-curl">
              <summary>cURL</summary>
              <pre className="codeview" data-testid="preview-curl">
                {data.curl}
              </pre>
            </details>
          )}
          {preview.error && (
            <div className="error" role="alert">
              {preview.error.message}
            </div>
          )}
        </div>
      </div>
      <Field id="preview_request_body" label="Request Body">
        <textarea id="preview_request_body" className="code static-value" rows={lines} readOnly value={body} spellCheck={false} />
      </Field>
      <SendTest request={request} disabled={!doc} />
      {copied !== null && (
        <div className="toast" role="status">
          {copied ? "Copied cURL to clipboard" : "Could not copy: select the cURL command below and copy it"}
        </div>
      )}
    </Section>
  );
}

/** The async Clipboard API, or the older copy command where it is denied (e.g. plain http). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const el = document.createElement("textarea");
    el.value = text;
    el.setAttribute("readonly", "");
    el.style.position = "fixed";
    el.style.opacity = "0";
    document.body.append(el);
    el.select();
    const ok = document.execCommand("copy");
    el.remove();
    return ok;
  }
}
