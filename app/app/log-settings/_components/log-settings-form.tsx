"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { api } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { logSettingsSchema } from "@/lib/services/request-log/request-log.schema";
import { Field, FormView, Section } from "@/components/desk/form-view";

type Input = z.input<typeof logSettingsSchema>;
type Values = z.output<typeof logSettingsSchema>;

export function LogSettingsForm({ settings }: { settings: { retention_days: number; last_run: number | null } }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const form = useForm<Input, unknown, Values>({
    resolver: zodResolver(logSettingsSchema),
    defaultValues: { retention_days: settings.retention_days },
  });

  const save = useMutation({
    mutationFn: (v: Values) => api<{ data: { retention_days: number } }>("/api/log-settings", { method: "PUT", body: v }),
    onSuccess: (r) => {
      setError(null);
      setNotice("Saved");
      form.reset({ retention_days: r.data.retention_days });
      router.refresh();
    },
    onError: (e) => {
      setNotice(null);
      setError(e.message);
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
      </div>
    </FormView>
  );
}
