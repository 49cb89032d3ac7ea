"use client";

import { useState } from "react";
import { api } from "@/lib/api-client";
// Type-only: erased at build, so the server-only service never reaches the browser.
import type { Verdict, VerifyDeliveryResult } from "@/lib/services/request-log/request-log-verify";

function VerdictRow({ label, v }: { label: string; v: Verdict }) {
  return (
    <div className="row" data-testid={`verdict-${label === "X-Frappe-Webhook-Signature" ? "frappe" : "standard"}`}>
      <span className={`indicator ${v.ok ? "green" : "red"}`}>{label}</span>
      <span>{v.reason}</span>
    </div>
  );
}

/**
 * "Verify a Delivery": paste the secret a receiver has and see whether the signatures sent
 * with this delivery match it. The secret goes to the server for the check only.
 */
export function VerifyDelivery({ name }: { name: string }) {
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<VerifyDeliveryResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function verify() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api<{ data: VerifyDeliveryResult }>(`/api/webhook-request-log/${encodeURIComponent(name)}/verify`, {
        body: { secret },
      });
      setResult(r.data);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="verify-delivery">
      <div className="section-title" id="verify-delivery">
        Verify a Delivery
      </div>
      <p className="muted">Paste the secret the receiver uses to check whether the signatures sent with the latest attempt match it.</p>
      <div
        className="row"
        role="form"
        aria-label="Verify a Delivery"
        onKeyDown={(e) => {
          if (e.key === "Enter" && secret) {
            e.preventDefault();
            void verify();
          }
        }}
      >
        <div className="field" style={{ flex: 1, marginBottom: 0 }}>
          <label htmlFor="verify_secret">Secret</label>
          <input
            id="verify_secret"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </div>
        <button
          className="btn btn-primary"
          type="button"
          disabled={busy || !secret}
          onClick={() => void verify()}
          style={{ alignSelf: "flex-end" }}
        >
          {busy ? "Verifying…" : "Verify"}
        </button>
      </div>
      <div aria-live="polite" data-testid="verify-result" style={{ marginTop: 12 }}>
        {error && (
          <div className="error-text" role="alert">
            {error}
          </div>
        )}
        {result && (
          <>
            {result.reason && (
              <div className="row">
                <span className="indicator red">No signature</span>
                <span>{result.reason}</span>
              </div>
            )}
            {result.frappe && <VerdictRow label="X-Frappe-Webhook-Signature" v={result.frappe} />}
            {result.standard && <VerdictRow label="webhook-signature" v={result.standard} />}
            {result.standard && (
              <div className="muted">
                Attempt #{result.attempt} · signed {result.age_seconds ?? 0}s ago
                {(result.signatures_sent ?? 1) > 1
                  ? ` · ${result.signatures_sent} signatures sent (a secret rotation was in progress)`
                  : ""}
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
