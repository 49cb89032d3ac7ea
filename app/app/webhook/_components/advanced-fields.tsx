"use client";

import { Field, Section, Options } from "@/components/desk/form-view";
import { DOC_EVENTS, NOTIFICATION_TYPES } from "@/lib/constants";
import { useWebhookForm } from "./use-webhook-form";

/** Beyond Frappe: several Doc Events, retries and an API key sent with each request. */
export function AdvancedSection({ hasApiKey }: { hasApiKey: boolean }) {
  const { register, formState, watch } = useWebhookForm();
  const { errors } = formState;
  const docevent = watch("webhook_docevent");
  return (
    <Section title="Delivery" collapsible>
      <div className="columns">
        <div>
          {/* role + aria-label as well as the legend, so getByLabel and getByRole("group") both find it. */}
          <fieldset
            className="field checks"
            data-fieldname="webhook_events"
            role="group"
            aria-label="Webhook Events"
            aria-describedby="webhook_events-help"
          >
            <legend className="label">Webhook Events</legend>
            <div className="check-grid">
              {DOC_EVENTS.map((e) => (
                <label key={e} className="check">
                  <input type="checkbox" value={e} disabled={e === docevent} {...register("webhook_events")} />
                  {e}
                </label>
              ))}
            </div>
            <div className="help" id="webhook_events-help">
              Also send on these events. The Doc Event above is always included.
            </div>
            {errors.webhook_events?.message && (
              <div className="error" role="alert">
                {errors.webhook_events.message}
              </div>
            )}
          </fieldset>
          <Field
            id="max_retries"
            label="Max Retries"
            error={errors.max_retries?.message}
            help="Failed requests are retried with backoff up to this many times."
          >
            <input id="max_retries" type="number" min={0} max={50} step={1} {...register("max_retries", { valueAsNumber: true })} />
          </Field>
          <Field
            id="disable_after"
            label="Disable After"
            error={errors.disable_after?.message}
            help="Days of nothing but failed requests after which the webhook is disabled and its pending requests held (fractions allowed; 0: never). Warnings go out at 50 %, 70 % and 90 %."
          >
            <input id="disable_after" type="number" min={0} max={365} step="any" {...register("disable_after", { valueAsNumber: true })} />
          </Field>
        </div>
        <div>
          <Field id="notification_type" label="Notification Type">
            <select id="notification_type" {...register("notification_type")}>
              <Options values={NOTIFICATION_TYPES} />
            </select>
          </Field>
          <Field
            id="api_key"
            label="API Key"
            help={
              hasApiKey ? (
                <span data-testid="api-key-set">An API key is saved and never shown again. Type a new one to replace it.</span>
              ) : (
                "Sent with every request in the header below."
              )
            }
          >
            <input
              id="api_key"
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              placeholder={hasApiKey ? "•••••••• (saved)" : ""}
              {...register("api_key")}
            />
          </Field>
          <Field id="api_key_header" label="Header Name" error={errors.api_key_header?.message} help="The header that carries the API key.">
            <input id="api_key_header" type="text" autoComplete="off" spellCheck={false} {...register("api_key_header")} />
          </Field>
        </div>
      </div>
    </Section>
  );
}
