"use client";

import { CheckField, Field, Section, Options } from "@/components/desk/form-view";
import { CONDITION_EXAMPLES, DOC_EVENTS } from "@/lib/constants";
import { useWebhookForm, type DoctypeOption } from "./use-webhook-form";

const SET_ONCE_HELP = "Set when the webhook was created; it cannot be changed";

/** Frappe's "Doc Events" section (+ the name, typed by the user, on a new webhook). */
export function DocEventsSection({ isNew, doctypes }: { isNew: boolean; doctypes: DoctypeOption[] }) {
  const { register, formState, watch } = useWebhookForm();
  const { errors } = formState;
  const current = watch("webhook_doctype");
  // A stored DocType that is no longer offered (e.g. became a child table) stays selectable.
  const options = current && !doctypes.some((d) => d.name === current) ? [...doctypes, { name: current, is_submittable: false }] : doctypes;
  const selected = doctypes.find((d) => d.name === current);
  // Set only once (Frappe's set_only_once): fixed on a saved webhook; the server refuses a change too.
  const fixed = isNew ? undefined : SET_ONCE_HELP;

  return (
    <Section title="Doc Events">
      <div className="columns">
        <div>
          {isNew && (
            <Field id="name" label="Webhook Name" required error={errors.name?.message} help="Unique; it cannot be changed later.">
              <input id="name" type="text" autoComplete="off" autoFocus aria-invalid={!!errors.name} {...register("name")} />
            </Field>
          )}
          <Field
            id="webhook_doctype"
            label="DocType"
            required
            error={errors.webhook_doctype?.message}
            help={
              [
                selected
                  ? selected.is_submittable
                    ? "Submittable"
                    : "Not submittable: on_submit, on_cancel and on_update_after_submit do not apply"
                  : undefined,
                fixed,
              ]
                .filter(Boolean)
                .join(". ") || undefined
            }
          >
            <select id="webhook_doctype" aria-invalid={!!errors.webhook_doctype} disabled={!isNew} {...register("webhook_doctype")}>
              <option value="" />
              {options.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div>
          <Field id="webhook_docevent" label="Doc Event" required error={errors.webhook_docevent?.message} help={fixed}>
            <select id="webhook_docevent" aria-invalid={!!errors.webhook_docevent} disabled={!isNew} {...register("webhook_docevent")}>
              <option value="" />
              <Options values={DOC_EVENTS} />
            </select>
          </Field>
          <CheckField id="enabled" label="Enabled" help="A disabled webhook sends nothing.">
            <input id="enabled" type="checkbox" {...register("enabled")} />
          </CheckField>
        </div>
      </div>
    </Section>
  );
}

export function ConditionSection() {
  const { register, formState } = useWebhookForm();
  const error = formState.errors.condition?.message;
  return (
    <Section title="Conditions">
      <div className="columns">
        <Field
          id="condition"
          label="Condition"
          error={error}
          help="The webhook is sent only when this Python expression is true. Leave blank to always send."
        >
          <textarea
            id="condition"
            className="code"
            rows={3}
            spellCheck={false}
            aria-invalid={!!error}
            placeholder='doc.status=="Open"'
            {...register("condition")}
          />
        </Field>
        <div className="field condition-examples" data-fieldname="html_condition">
          <p className="label">Condition Examples:</p>
          <ul>
            {CONDITION_EXAMPLES.map((ex) => (
              <li key={ex}>
                <code>{ex}</code>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </Section>
  );
}
