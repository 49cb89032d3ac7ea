"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { FormProvider, useForm, type Path } from "react-hook-form";
import { FormMenu } from "@/components/desk/form-menu";
import { FormView } from "@/components/desk/form-view";
import { Indicator } from "@/components/desk/page-head";
import { ApiError, api } from "@/lib/api-client";
import type { PreviewResult } from "@/lib/services/webhook/webhook-preview";
import { NEW_WEBHOOK, webhookSchema, type WebhookInput, type WebhookValues } from "@/lib/services/webhook/webhook.schema";
import { AdvancedSection } from "./advanced-fields";
import { bodyWarning, carriedWarning, carryWarning, dropCarriedWarning } from "./body-check";
import { DataSection, HeadersSection } from "./body-fields";
import { DeleteWebhookButton } from "./delete-webhook";
import { ConditionSection, DocEventsSection } from "./doc-event-fields";
import { formValuesOf, templateErrorLine, toPayload, type WebhookJson } from "./form-values";
import { PreviewSection } from "./preview-panel";
import { RequestSection, SecuritySection } from "./request-fields";
import type { DoctypeOption } from "./use-webhook-form";

type TemplateError = PreviewResult["template_error"] | null;

/** Server field keys the form can show at a field, and when that field is on screen. */
const VISIBLE: Record<string, (v: WebhookValues | WebhookInput) => boolean> = {
  name: () => true,
  webhook_doctype: () => true,
  webhook_docevent: () => true,
  webhook_events: () => true,
  condition: () => true,
  request_url: () => true,
  timeout: () => true,
  background_jobs_queue: () => true,
  max_requests_per_second: () => true,
  send_in_order: () => true,
  request_method: () => true,
  request_structure: () => true,
  webhook_secret: (v) => !!v.enable_security,
  webhook_headers: () => true,
  webhook_data: (v) => v.request_structure !== "JSON" && v.request_structure !== "Event Envelope",
  webhook_json: (v) => v.request_structure === "JSON",
  max_retries: () => true,
  disable_after: () => true,
  api_key_header: () => true,
};

/**
 * The Webhook form (new and edit): Frappe's sections, validation messages at their fields,
 * Ctrl+S to save, and a live preview of the request the unsaved form would send.
 */
export function WebhookForm({
  initial,
  doctypes,
  template = null,
  neighbours,
}: {
  initial: WebhookJson | null;
  doctypes: DoctypeOption[];
  /** Duplicate: a new webhook starts from this one's settings (no name, no secrets). */
  template?: WebhookJson | null;
  /** The webhooks before and after this one by name (the menu's Previous and Next). */
  neighbours?: { previous: string | null; next: string | null };
}) {
  const router = useRouter();
  const isNew = initial === null;
  const [saved, setSaved] = useState(initial);
  const [formError, setFormError] = useState<string | null>(null);
  const [templateError, setTemplateError] = useState<TemplateError>(null);
  const [serverJsonError, setServerJsonError] = useState<string | null>(null);
  const [warning, setWarning] = useState<string | null>(() => carriedWarning(initial?.name));
  const previewDoc = useRef("");
  const onDocument = useCallback((d: string) => void (previewDoc.current = d), []);
  useEffect(() => {
    if (initial) dropCarriedWarning(initial.name);
  }, [initial]);
  const form = useForm<WebhookInput, unknown, WebhookValues>({
    resolver: zodResolver(webhookSchema),
    defaultValues: initial ? formValuesOf(initial) : template ? { ...formValuesOf(template), name: "" } : NEW_WEBHOOK,
  });

  const save = useMutation({
    mutationFn: async (v: WebhookValues) => {
      const { data } = await (isNew
        ? api<{ data: WebhookJson }>("/api/resource/Webhook", { method: "POST", body: toPayload(v) })
        : api<{ data: WebhookJson }>(`/api/resource/Webhook/${encodeURIComponent(v.name)}`, { method: "PUT", body: toPayload(v) }));
      return { data, warning: await bodyWarning(v, previewDoc.current) };
    },
    onSuccess: ({ data, warning }) => {
      form.reset(formValuesOf(data));
      setServerJsonError(null);
      setWarning(warning);
      if (isNew) {
        if (warning) carryWarning(data.name, warning);
        router.push(`/app/webhook/${encodeURIComponent(data.name)}`);
      } else {
        setSaved(data);
        router.refresh(); // the activity timeline is server-rendered
      }
    },
    onError: (err) => {
      if (!(err instanceof ApiError)) return setFormError(err.message);
      const values = form.getValues();
      let shown = 0;
      for (const [key, message] of Object.entries(err.fields)) {
        const field = key.split(".")[0] ?? key;
        if (!VISIBLE[field]?.(values)) continue;
        form.setError(field as Path<WebhookInput>, { type: "server", message }, { shouldFocus: shown === 0 });
        if (field === "webhook_json") setServerJsonError(message);
        shown++;
      }
      // Each message is shown once: at its field, or here when no field can show it.
      setFormError(shown ? "Not saved: correct the fields marked in red." : err.message);
    },
  });

  const onSave = form.handleSubmit(
    (v) => {
      setFormError(null);
      setWarning(null);
      save.mutate(v);
    },
    () => setFormError(null),
  );

  // The refused template's marker lasts until the template is edited.
  useEffect(() => {
    const sub = form.watch((_, { name }) => {
      if (name === "webhook_json") setServerJsonError(null);
    });
    return () => sub.unsubscribe();
  }, [form]);

  const onTemplateError = useCallback((e: TemplateError) => {
    setTemplateError((prev) => (prev?.line === e?.line && prev?.column === e?.column && prev?.message === e?.message ? prev : e));
  }, []);

  // Live syntax errors from the preview; else the one the last save was refused for.
  const serverLine = templateErrorLine(serverJsonError ?? undefined);
  const markers = useMemo(
    () =>
      templateError
        ? [
            {
              line: templateError.line,
              ...(templateError.column ? { column: templateError.column } : {}),
              message: `Syntax error in template at line ${templateError.line}${templateError.column ? `, column ${templateError.column}` : ""}: ${templateError.message}`,
            },
          ]
        : serverJsonError && serverLine
          ? [{ line: serverLine, message: serverJsonError }]
          : [],
    [templateError, serverJsonError, serverLine],
  );

  const title = isNew ? "New Webhook" : (saved?.name ?? "");
  const [deleteAsked, setDeleteAsked] = useState(0);
  const [copied, setCopied] = useState(false);
  const link = (n: string) => `/app/webhook/${encodeURIComponent(n)}`;
  const copyLink = () => {
    void navigator.clipboard
      ?.writeText(window.location.href)
      .then(() => {
        setCopied(true);
        setTimeout(() => setCopied(false), 2000);
      })
      .catch(() => undefined);
  };
  // Read during render so react-hook-form tracks it (its formState is a subscription proxy).
  const isDirty = form.formState.isDirty;
  const cancel = () => {
    if (!isDirty || window.confirm("Discard this new webhook?")) router.push("/app/webhook");
  };

  return (
    <FormProvider {...form}>
      <FormView
        title={title}
        breadcrumbs={[
          { label: "Integrations", href: "/app" },
          { label: "Webhook", href: "/app/webhook" },
        ]}
        dirty={isNew || isDirty}
        unsaved={isDirty}
        saving={save.isPending}
        onSave={() => void onSave()}
        error={formError}
        indicator={saved?.enabled ? <Indicator color="green">Enabled</Indicator> : <Indicator color="gray">Disabled</Indicator>}
        saveLabel={isNew ? "Create" : "Save"}
        actions={
          !isNew && saved ? (
            <>
              <DeleteWebhookButton name={saved.name} asked={deleteAsked} />
              <FormMenu
                actions={[
                  { label: "Duplicate", href: `/app/webhook/new?duplicate=${encodeURIComponent(saved.name)}` },
                  neighbours?.previous
                    ? { label: "Previous Webhook", href: link(neighbours.previous) }
                    : { label: "Previous Webhook", disabled: true },
                  neighbours?.next ? { label: "Next Webhook", href: link(neighbours.next) } : { label: "Next Webhook", disabled: true },
                  { label: "Copy Link", onSelect: copyLink },
                  { label: "Delete…", onSelect: () => setDeleteAsked((n) => n + 1) },
                ]}
              />
              {copied ? (
                <span className="toast" role="status">
                  Link copied
                </span>
              ) : null}
            </>
          ) : (
            <button type="button" className="btn" onClick={cancel}>
              Cancel
            </button>
          )
        }
      >
        {warning && (
          <div className="alert alert-warning" role="alert" data-testid="save-warning">
            {warning}
          </div>
        )}
        <div className="card webhook-form">
          <DocEventsSection isNew={isNew} doctypes={doctypes} />
          <ConditionSection />
          <RequestSection />
          <SecuritySection
            hasSecret={!!saved?.has_webhook_secret}
            {...(saved?.enable_security && saved.has_webhook_secret ? { rotatable: saved.name } : {})}
          />
          <HeadersSection />
          <DataSection templateMarkers={markers} />
          <AdvancedSection hasApiKey={!!saved?.has_api_key} />
        </div>
        <div className="card">
          <PreviewSection savedName={saved?.name} onTemplateError={onTemplateError} onDocument={onDocument} />
        </div>
      </FormView>
    </FormProvider>
  );
}
