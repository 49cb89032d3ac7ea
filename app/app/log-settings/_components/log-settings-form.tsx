"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { api, ApiError } from "@/lib/api-client";
import { newStandardSecret } from "@/lib/standard-secret";
import { formatDateTime } from "@/lib/format";
import { logSettingsSchema } from "@/lib/services/request-log/request-log.schema";
import { Field, FormView, Section } from "@/components/desk/form-view";

type Input = z.input<typeof logSettingsSchema>;
type Values = z.output<typeof logSettingsSchema>;

interface Settings {
  retention_days: number;
  last_run: number | null;
  alert_webhook_url: string;
  has_alert_webhook_secret: boolean;
}

export function LogSettingsForm({ settings }: { settings: Settings }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const form = useForm<Input, unknown, Values>({
    resolver: zodResolver(logSettingsSchema),
    defaultValues: { retention_days: settings.retention_days, alert_webhook_url: settings.alert_webhook_url, alert_webhook_secret: "" },
  });
  const [generated, setGenerated] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: (v: Values) => api<{ data: Settings }>("/api/log-settings", { method: "PUT", body: v }),
    onSuccess: (r) => {
      setError(null);
      setNotice("Saved");
      setGenerated(null);
      form.reset({ retention_days: r.data.retention_days, alert_webhook_url: r.data.alert_webhook_url, alert_webhook_secret: "" });
      router.refresh();
    },
    onError: (e) => {
      setNotice(null);
      setError(e.message);
      if (e instanceof ApiError)
        for (const f of ["alert_webhook_url", "alert_webhook_secret", "retention_days"] as const)
          if (e.fields[f]) form.setError(f, { message: e.fields[f] });
    },
  });

  const purge = useMutation({
    mutationFn: () => api<{ deleted: number; logs: number; events: number }>("/api/log-settings?action=purge", { method: "POST" }),
    onSuccess: (r) => {
      setError(null);
      setNotice(
        `Deleted ${r.logs} request log${r.logs === 1 ? "" : "s"} and ${r.events} event${r.events === 1 ? "" : "s"} (${r.deleted} rows).`,
      );
      router.refresh();
    },
    onError: (e) => setError(e.message),
  });

  return (
    <FormView
      title="Log Settings"
      breadcrumbs={[{ label: "Integrations", href: "/app" }]}
      dirty={form.formState.isDirty}
      saving={save.isPending}
      onSave={() => void form.handleSubmit((v) => save.mutate(v))()}
      error={error}
      actions={
        <button
          className="btn"
          type="button"
          disabled={purge.isPending || form.formState.isDirty}
          title={form.formState.isDirty ? "Save first" : "Delete rows older than the retention now"}
          onClick={() => purge.mutate()}
        >
          {purge.isPending ? "Clearing…" : "Clear Old Logs Now"}
        </button>
      }
    >
      {notice && (
        <div className="alert alert-ok" role="status">
          {notice}
        </div>
      )}
      <div className="card">
        <Section title="Webhook Request Log">
          <Field
            id="retention_days"
            label="Retention Days"
            error={form.formState.errors.retention_days?.message}
            help="Request Log rows, their attempts and events older than this are deleted daily"
          >
            <input id="retention_days" type="number" min={1} max={3650} step={1} {...form.register("retention_days")} />
          </Field>
          <div className="help muted">Last cleared: {settings.last_run ? formatDateTime(settings.last_run) : "never"}</div>
        </Section>
        <Section title="Alerts">
          <Field
            id="alert_webhook_url"
            label="Alert Webhook URL"
            error={form.formState.errors.alert_webhook_url?.message}
            help="Operational events (webhook.failing, webhook.recovered, webhook.disabled, delivery.exhausted) are POSTed here as JSON, signed with Standard Webhooks and retried. Blank: off."
          >
            <input id="alert_webhook_url" type="url" {...form.register("alert_webhook_url")} />
          </Field>
          <Field
            id="alert_webhook_secret"
            label="Alert Webhook Secret"
            error={form.formState.errors.alert_webhook_secret?.message}
            help={
              settings.has_alert_webhook_secret ? "A secret is stored; leave blank to keep it." : "A whsec_ secret that signs the alerts."
            }
          >
            <input id="alert_webhook_secret" type="password" autoComplete="off" {...form.register("alert_webhook_secret")} />
          </Field>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              const s = newStandardSecret();
              form.setValue("alert_webhook_secret", s, { shouldDirty: true });
              setGenerated(s);
            }}
          >
            Generate
          </button>
          {generated && (
            <div className="help">
              New secret: <code>{generated}</code> — copy it now for the receiver; after saving it is never shown again.
            </div>
          )}
        </Section>
      </div>
    </FormView>
  );
}
