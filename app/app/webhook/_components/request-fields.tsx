"use client";

import { CheckField, Field, Section, Options } from "@/components/desk/form-view";
import { QUEUES, REQUEST_METHODS, REQUEST_STRUCTURES, SIGNATURE_SCHEMES } from "@/lib/constants";
import { contentTypeFor } from "@/lib/services/webhook/webhook.schema";
import { GenerateSecretButton, RotateSecret } from "./secret-tools";
import { useWebhookForm } from "./use-webhook-form";

const STRUCTURE_LABELS: Record<string, string> = { "": "" };

/** Frappe's "Webhook Request" section. */
export function RequestSection() {
  const { register, formState, watch, getValues, setValue } = useWebhookForm();
  const { errors } = formState;
  const dynamic = watch("is_dynamic_url");

  // Frappe's set_request_headers: the structure implies a Content-Type header row.
  function onStructureChange(structure: string) {
    const type = contentTypeFor(structure);
    if (!type) return;
    const headers = getValues("webhook_headers") ?? [];
    const i = headers.findIndex((h) => h.key?.trim().toLowerCase() === "content-type");
    const next = i >= 0 ? headers.map((h, j) => (j === i ? { ...h, value: type } : h)) : [...headers, { key: "Content-Type", value: type }];
    setValue("webhook_headers", next, { shouldDirty: true });
  }

  return (
    <Section title="Webhook Request">
      <div className="columns">
        <div>
          <Field
            id="request_url"
            label="Request URL"
            required
            error={errors.request_url?.message}
            help={
              dynamic ? (
                <>
                  A template rendered for each document, e.g. <code>{"https://example.com/orders/{{ doc.name }}"}</code>
                </>
              ) : undefined
            }
          >
            <input
              id="request_url"
              type="text"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://example.com/webhooks/quotation"
              aria-invalid={!!errors.request_url}
              {...register("request_url")}
            />
          </Field>
          <CheckField id="is_dynamic_url" label="Is Dynamic URL?" help="Build the URL from the document with Jinja, like the JSON body.">
            <input id="is_dynamic_url" type="checkbox" {...register("is_dynamic_url")} />
          </CheckField>
          <Field id="timeout" label="Request Timeout" error={errors.timeout?.message} help="Seconds to wait for the response.">
            <input
              id="timeout"
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              aria-invalid={!!errors.timeout}
              {...register("timeout", { valueAsNumber: true })}
            />
          </Field>
          <Field id="background_jobs_queue" label="Background Jobs Queue" error={errors.background_jobs_queue?.message}>
            <input
              id="background_jobs_queue"
              type="text"
              list="background_jobs_queue-options"
              autoComplete="off"
              {...register("background_jobs_queue")}
            />
            <datalist id="background_jobs_queue-options">
              {QUEUES.map((q) => (
                <option key={q} value={q} />
              ))}
            </datalist>
          </Field>
          <Field
            id="max_requests_per_second"
            label="Max Requests per Second"
            error={errors.max_requests_per_second?.message}
            help="Blank: no limit. Requests beyond it wait their turn (none is dropped), across all workers; decimals allowed (0.5: one every 2 seconds)."
          >
            <input
              id="max_requests_per_second"
              type="number"
              min={0}
              step="any"
              inputMode="decimal"
              aria-invalid={!!errors.max_requests_per_second}
              {...register("max_requests_per_second", { setValueAs: (v: unknown) => (v === "" || v === null ? null : Number(v)) })}
            />
          </Field>
          <CheckField
            id="send_in_order"
            label="Send in Order per Document"
            help="A document's next request waits until the previous one is Delivered or Exhausted, so the receiver sees its changes in order. Other documents are sent in parallel."
          >
            <input id="send_in_order" type="checkbox" {...register("send_in_order")} />
          </CheckField>
        </div>
        <div>
          <Field id="request_method" label="Request Method" error={errors.request_method?.message}>
            <select id="request_method" {...register("request_method")}>
              <Options values={REQUEST_METHODS} />
            </select>
          </Field>
          <Field id="request_structure" label="Request Structure" error={errors.request_structure?.message}>
            <select
              id="request_structure"
              {...register("request_structure", { onChange: (e: { target: { value: string } }) => onStructureChange(e.target.value) })}
            >
              <Options values={REQUEST_STRUCTURES} labels={STRUCTURE_LABELS} />
            </select>
          </Field>
        </div>
      </div>
    </Section>
  );
}

/** Frappe's "Webhook Security": the secret is write-only, so the form only says one is set. */
export function SecuritySection({ hasSecret, rotatable }: { hasSecret: boolean; rotatable?: string }) {
  const { register, formState, watch } = useWebhookForm();
  const { errors } = formState;
  const on = watch("enable_security");
  return (
    <Section title="Webhook Security">
      <div className="columns">
        <div>
          <CheckField
            id="enable_security"
            label="Enable Security"
            help="Sign each request: X-Frappe-Webhook-Signature, Standard Webhooks (webhook-signature), or both."
          >
            <input id="enable_security" type="checkbox" {...register("enable_security")} />
          </CheckField>
          {on && (
            <Field
              id="webhook_secret"
              label="Webhook Secret"
              required
              error={errors.webhook_secret?.message}
              help={
                hasSecret ? (
                  <span data-testid="secret-set">
                    A secret is saved and never shown again. Leave blank to keep it, or type a new one to replace it.
                  </span>
                ) : (
                  "Share it with the receiver to verify signatures."
                )
              }
            >
              <input
                id="webhook_secret"
                type="password"
                autoComplete="new-password"
                spellCheck={false}
                placeholder={hasSecret ? "•••••••• (saved)" : ""}
                aria-invalid={!!errors.webhook_secret}
                {...register("webhook_secret")}
              />
              <GenerateSecretButton />
            </Field>
          )}
          {on && rotatable && <RotateSecret name={rotatable} />}
        </div>
        <div>
          {on && (
            <Field
              id="signature_scheme"
              label="Signature Scheme"
              help="frappe: X-Frappe-Webhook-Signature; standard: Standard Webhooks (webhook-signature); both."
            >
              <select id="signature_scheme" {...register("signature_scheme")}>
                <Options values={SIGNATURE_SCHEMES} />
              </select>
            </Field>
          )}
        </div>
      </div>
    </Section>
  );
}
