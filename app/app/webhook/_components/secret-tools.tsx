"use client";
// The Security section's secret helpers: Generate (a fresh Standard Webhooks secret, made in
// the browser) and Rotate Secret (server-side; the previous secret keeps signing for 24 h).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "@/lib/api-client";
import { fromFrappeDatetime } from "@/lib/services/frappe-rest/adapter";
import { newStandardSecret } from "@/lib/standard-secret";
import { useWebhookForm } from "./use-webhook-form";

export function GenerateSecretButton() {
  const { setValue } = useWebhookForm();
  const [shown, setShown] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn btn-sm"
        onClick={() => {
          const s = newStandardSecret();
          setValue("webhook_secret", s, { shouldDirty: true, shouldValidate: true });
          setShown(s);
        }}
      >
        Generate
      </button>
      {shown && (
        <div className="help" data-testid="generated-secret">
          New secret: <code>{shown}</code> — copy it now for the receiver; after saving it is never shown again.
        </div>
      )}
    </>
  );
}

interface Rotated {
  secret: string;
  /** The REST adapter's datetime text (UTC). */
  previous_secret_expires: string | null;
}

export function RotateSecret({ name }: { name: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function rotate() {
    if (!window.confirm("Rotate the Webhook Secret? A new secret signs from now on; the current one keeps signing for 24 hours.")) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ data: Rotated }>(`/api/resource/Webhook/${encodeURIComponent(name)}/rotate-secret`, {
        method: "POST",
        body: {},
      });
      setRotated(r.data);
      router.refresh(); // the activity timeline is server-rendered
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="field" data-fieldname="rotate_secret">
      <button type="button" className="btn" disabled={busy} onClick={() => void rotate()}>
        {busy ? "Rotating…" : "Rotate Secret"}
      </button>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {rotated && (
        <div className="alert alert-ok" role="status" data-testid="rotated-secret">
          <div>
            New secret: <code data-testid="new-secret">{rotated.secret}</code>
          </div>
          <div>Copy it now: it is not shown again.</div>
          {rotated.previous_secret_expires && (
            <div>
              Previous secret keeps signing until {new Date(fromFrappeDatetime(rotated.previous_secret_expires) ?? 0).toLocaleString()}.
            </div>
          )}
        </div>
      )}
    </div>
  );
}
