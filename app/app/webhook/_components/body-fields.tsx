"use client";

import { useQuery } from "@tanstack/react-query";
import { Controller, useFieldArray } from "react-hook-form";
import { ChildTable } from "@/components/child-table";
import { CodeEditor, type CodeMarker } from "@/components/code-editor";
import { Field, Section } from "@/components/desk/form-view";
import { fieldOptionsQuery } from "./queries";
import { useWebhookForm } from "./use-webhook-form";

type ArrayError = { message?: string; root?: { message?: string } } | undefined;
/** A table's error: the schema's own (duplicate fields) or the first of a row's fields. */
function tableError(err: unknown): string | undefined {
  const e = err as ArrayError;
  if (e?.message) return e.message;
  if (e?.root?.message) return e.root.message;
  if (Array.isArray(err)) {
    for (const row of err as (Record<string, { message?: string }> | undefined)[]) {
      const first = row && Object.values(row).find((f) => f?.message);
      if (first?.message) return first.message;
    }
  }
  return undefined;
}

export function HeadersSection() {
  const { control, register, formState } = useWebhookForm();
  const { fields, append, remove, move } = useFieldArray({ control, name: "webhook_headers" });
  return (
    <Section title="Headers">
      <ChildTable
        label="Headers"
        rowIds={fields.map((f) => f.id)}
        onAdd={() => append({ key: "", value: "" })}
        onDelete={remove}
        onMove={move}
        error={tableError(formState.errors.webhook_headers)}
        columns={[
          {
            key: "key",
            label: "Key",
            width: "35%",
            render: (i, label) => (
              <input type="text" aria-label={label} autoComplete="off" spellCheck={false} {...register(`webhook_headers.${i}.key`)} />
            ),
          },
          {
            key: "value",
            label: "Value",
            render: (i, label) => (
              <input type="text" aria-label={label} autoComplete="off" spellCheck={false} {...register(`webhook_headers.${i}.value`)} />
            ),
          },
        ]}
      />
    </Section>
  );
}

/** Frappe's "Webhook Data" section: the Data table (form / blank) or the JSON Request Body. */
export function DataSection({ templateMarkers }: { templateMarkers: CodeMarker[] }) {
  const { control, register, formState, watch, getValues, setValue } = useWebhookForm();
  const { fields, append, remove, move } = useFieldArray({ control, name: "webhook_data" });
  const structure = watch("request_structure");
  const doctype = watch("webhook_doctype");
  const rows = watch("webhook_data") ?? [];
  const options = useQuery(fieldOptionsQuery(doctype ?? "")).data ?? [];
  const known = new Set(options.map((o) => o.value));
  const jsonError = formState.errors.webhook_json?.message;

  if (structure === "Event Envelope") {
    return (
      <Section title="Webhook Data">
        <p className="muted">The body is the standard event envelope (event type, timestamp and the whole document).</p>
      </Section>
    );
  }

  return (
    <Section title="Webhook Data">
      {structure === "JSON" ? (
        <Field
          id="webhook_json"
          label="JSON Request Body"
          error={jsonError}
          help={
            <>
              Jinja template of the JSON body, e.g. <code>{'{"id": "{{ doc.name }}", "total": {{ doc.total }}}'}</code>. Wrap text fields in
              double quotes. Ctrl+M toggles whether Tab moves focus.
            </>
          }
        >
          <Controller
            control={control}
            name="webhook_json"
            render={({ field }) => (
              <CodeEditor
                id="webhook_json"
                ariaLabel="JSON Request Body"
                editorAriaLabel="Template editor"
                language="json"
                value={field.value ?? ""}
                onChange={field.onChange}
                onBlur={field.onBlur}
                markers={templateMarkers}
                invalid={!!jsonError}
                height="260px"
              />
            )}
          />
        </Field>
      ) : (
        <div className="field" data-fieldname="webhook_data">
          <span className="label">Data</span>
          <ChildTable
            label="Data"
            rowIds={fields.map((f) => f.id)}
            onAdd={() => append({ fieldname: "", key: "" })}
            onDelete={remove}
            onMove={move}
            error={tableError(formState.errors.webhook_data)}
            emptyText={doctype ? "No Data" : "Select a DocType to choose its fields."}
            columns={[
              {
                key: "fieldname",
                label: "Fieldname",
                width: "50%",
                render: (i, label) => {
                  const value = rows[i]?.fieldname ?? "";
                  // Keyed by value, so the stored choice keeps its <option> while the labels load.
                  const choices = value && !known.has(value) ? [{ value, label: value }, ...options] : options;
                  return (
                    <select
                      aria-label={label}
                      value={value}
                      {...register(`webhook_data.${i}.fieldname`, {
                        // Choosing a field fills Key, unless the user typed a key of their own.
                        onChange: (e: { target: { value: string } }) => {
                          const key = getValues(`webhook_data.${i}.key`) ?? "";
                          if (key === "" || known.has(key)) setValue(`webhook_data.${i}.key`, e.target.value, { shouldDirty: true });
                        },
                      })}
                    >
                      <option value="" />
                      {choices.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  );
                },
              },
              {
                key: "key",
                label: "Key",
                render: (i, label) => (
                  <input type="text" aria-label={label} autoComplete="off" spellCheck={false} {...register(`webhook_data.${i}.key`)} />
                ),
              },
            ]}
          />
          <div className="help">Each row sends one field of the document under its Key.</div>
        </div>
      )}
    </Section>
  );
}
