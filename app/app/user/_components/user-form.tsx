"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "@/lib/zod";
import { api, ApiError } from "@/lib/api-client";
import { formatDateTime, timeAgo } from "@/lib/format";
import { CheckField, Field, FormView, Section } from "@/components/desk/form-view";
import { RolesField } from "./roles-field";
import { Indicator } from "@/components/desk/page-head";

interface UserView {
  name: string;
  email: string;
  fullName: string;
  enabled: boolean;
  sendAlertEmails: boolean;
  roles: string[];
  apiKeys: { key: string; created: number; lastUsed: number | null }[];
}

const schema = z.object({
  fullName: z.string().max(140),
  enabled: z.boolean(),
  sendAlertEmails: z.boolean(),
  roles: z.array(z.string()),
  newPassword: z.union([z.literal(""), z.string().min(8, "Password must be at least 8 characters")]),
});
type Values = z.infer<typeof schema>;

interface SessionView {
  created: number;
  lastSeen: number;
  ip: string;
  userAgent: string;
  current: boolean;
}

export function UserForm({ user, sessions, roles, self }: { user: UserView; sessions: SessionView[]; roles: string[]; self: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ api_key: string; api_secret: string } | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      fullName: user.fullName,
      enabled: user.enabled,
      sendAlertEmails: user.sendAlertEmails,
      roles: user.roles,
      newPassword: "",
    },
  });
  const { register, formState } = form;

  const save = useMutation({
    mutationFn: (v: Values) =>
      api(`/api/resource/User/${encodeURIComponent(user.name)}`, {
        method: "PUT",
        body: {
          fullName: v.fullName,
          enabled: v.enabled,
          sendAlertEmails: v.sendAlertEmails,
          roles: v.roles,
          ...(v.newPassword ? { password: v.newPassword } : {}),
        },
      }),
    onSuccess: (_r, v) => {
      setError(null);
      setNotice(v.newPassword ? "Saved. The password was reset." : "Saved");
      form.reset({ ...v, newPassword: "" });
      router.refresh();
    },
    onError: (e) => {
      setNotice(null);
      setError(e.message);
      if (e instanceof ApiError && e.fields.password) form.setError("newPassword", { message: e.fields.password });
    },
  });

  const generate = useMutation({
    mutationFn: () =>
      api<{ data: { api_key: string; api_secret: string } }>(`/api/resource/User/${encodeURIComponent(user.name)}/api-key`, {
        method: "POST",
      }),
    onSuccess: (r) => {
      setSecret(r.data);
      router.refresh();
    },
    onError: (e) => setError(e.message),
  });

  const revoke = useMutation({
    mutationFn: (key: string) => api(`/api/resource/User/${encodeURIComponent(user.name)}/api-key/${key}`, { method: "DELETE" }),
    onSuccess: () => router.refresh(),
    onError: (e) => setError(e.message),
  });

  const logoutAll = useMutation({
    mutationFn: () =>
      api<{ data: { ended: number } }>(`/api/resource/User/${encodeURIComponent(user.name)}/sessions`, { method: "DELETE" }),
    onSuccess: (r) => {
      setError(null);
      setNotice(`${r.data.ended} session${r.data.ended === 1 ? "" : "s"} ended`);
      router.refresh();
    },
    onError: (e) => setError(e.message),
  });

  const e = formState.errors;
  return (
    <FormView
      title={user.name}
      breadcrumbs={[{ label: "User", href: "/app/user" }]}
      dirty={formState.isDirty}
      saving={save.isPending}
      error={error}
      indicator={user.enabled ? <Indicator color="green">Enabled</Indicator> : <Indicator color="gray">Disabled</Indicator>}
      onSave={form.handleSubmit((v) => save.mutate(v))}
    >
      {notice && (
        <div className="alert alert-ok" role="status">
          {notice}
        </div>
      )}
      <div className="card">
        <Section>
          <div className="columns">
            <div>
              <Field id="email" label="Email">
                <input id="email" type="email" value={user.email} readOnly />
              </Field>
              <Field id="fullName" label="Full Name" error={e.fullName?.message}>
                <input id="fullName" type="text" {...register("fullName")} />
              </Field>
              <CheckField id="enabled" label="Enabled" help={self ? "You cannot disable yourself." : undefined}>
                <input id="enabled" type="checkbox" disabled={self} {...register("enabled")} />
              </CheckField>
              <CheckField
                id="sendAlertEmails"
                label="Send Alert Emails"
                help="Email this System Manager when a webhook starts failing, recovers, is disabled automatically or gives up on requests (needs SMTP_URL)."
              >
                <input id="sendAlertEmails" type="checkbox" {...register("sendAlertEmails")} />
              </CheckField>
            </div>
            <div>
              <RolesField roles={roles} register={register("roles")} />
            </div>
          </div>
        </Section>
        <Section title="Reset Password">
          <Field id="newPassword" label="New Password" error={e.newPassword?.message} help="Leave blank to keep the current password.">
            <input id="newPassword" type="password" autoComplete="new-password" {...register("newPassword")} />
          </Field>
        </Section>
        <Section title="API Access">
          {secret && (
            <div className="alert alert-info" role="status" data-testid="api-secret">
              <div>
                <b>Copy the secret now: it will not be shown again.</b>
              </div>
              <div className="mono" style={{ marginTop: 6 }}>
                API Key: <span data-testid="api-key-value">{secret.api_key}</span>
                <br />
                API Secret: <span data-testid="api-secret-value">{secret.api_secret}</span>
              </div>
              <div className="muted" style={{ marginTop: 6 }}>
                Use it as <code>Authorization: token {secret.api_key}:&lt;api_secret&gt;</code>
              </div>
            </div>
          )}
          {user.apiKeys.length > 0 && (
            <table className="grid-table" style={{ marginBottom: 12 }}>
              <thead>
                <tr>
                  <th>API Key</th>
                  <th>Created</th>
                  <th>Last Used</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {user.apiKeys.map((k) => (
                  <tr key={k.key}>
                    <td className="mono">{k.key}</td>
                    <td>{formatDateTime(k.created)}</td>
                    <td>{timeAgo(k.lastUsed)}</td>
                    <td className="ops">
                      <button
                        type="button"
                        className="btn btn-sm btn-danger"
                        onClick={() => window.confirm(`Revoke API key ${k.key}? Apps using it will stop working.`) && revoke.mutate(k.key)}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button type="button" className="btn" onClick={() => generate.mutate()} disabled={generate.isPending}>
            Generate Keys
          </button>
        </Section>
        <Section title="Sessions">
          {sessions.length === 0 ? (
            <p className="muted">Not signed in anywhere.</p>
          ) : (
            <table className="grid-table" style={{ marginBottom: 12 }} aria-label="Sessions">
              <thead>
                <tr>
                  <th>Last Active</th>
                  <th>Signed In</th>
                  <th>Address</th>
                  <th>Browser</th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={`${s.created}-${s.lastSeen}-${s.ip}`}>
                    <td title={formatDateTime(s.lastSeen)}>
                      {timeAgo(s.lastSeen)}
                      {s.current ? <span className="muted"> (this session)</span> : null}
                    </td>
                    <td>{formatDateTime(s.created)}</td>
                    <td className="mono">{s.ip}</td>
                    <td className="muted" title={s.userAgent}>
                      {s.userAgent.slice(0, 60) || "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button
            type="button"
            className="btn"
            disabled={logoutAll.isPending || sessions.every((s) => s.current)}
            onClick={() =>
              window.confirm(self ? "Log out from all your other devices?" : `Log ${user.name} out from all devices?`) && logoutAll.mutate()
            }
          >
            Log out from all devices
          </button>
        </Section>
      </div>
    </FormView>
  );
}
