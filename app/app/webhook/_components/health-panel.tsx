"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { Indicator } from "@/components/desk/page-head";
import type { WebhookHealthView } from "@/lib/services/webhook/webhook.schema";

/** The webhook's health (auto-disable), and Re-enable for a disabled webhook. */
export function HealthPanel({
  name,
  enabled,
  disableAfter,
  health,
}: {
  name: string;
  enabled: boolean;
  disableAfter: number;
  health: WebhookHealthView;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const reenable = useMutation({
    mutationFn: () => api(`/api/resource/Webhook/${encodeURIComponent(name)}/re-enable`, { method: "POST" }),
    onSuccess: () => {
      setError(null);
      router.refresh();
    },
    onError: (e) => setError(e.message),
  });
  const indicator =
    health.state === "disabled" ? (
      <Indicator color="red">Disabled automatically</Indicator>
    ) : health.state === "failing" ? (
      <Indicator color="orange">Failing</Indicator>
    ) : (
      <Indicator color="green">Healthy</Indicator>
    );
  return (
    <section className="card" aria-labelledby="webhook-health-title">
      <div className="section">
        <div className="section-title" id="webhook-health-title">
          Health
        </div>
        <div className="row">
          {indicator}
          <span className="muted">
            {health.state === "disabled" && health.disabled_at
              ? `Every request failed for the whole Disable After; disabled ${formatDateTime(health.disabled_at)}. Its pending requests are held.`
              : health.state === "failing" && health.failing_since
                ? `Every request has failed since ${formatDateTime(health.failing_since)}${
                    health.percent !== null ? ` (${health.percent} % of Disable After)` : ""
                  }.`
                : disableAfter > 0
                  ? `Disabled automatically after ${disableAfter} day${disableAfter === 1 ? "" : "s"} of nothing but failed requests.`
                  : "Never disabled automatically (Disable After is 0)."}
          </span>
          {!enabled && (
            <button className="btn btn-primary btn-sm" type="button" disabled={reenable.isPending} onClick={() => reenable.mutate()}>
              {reenable.isPending ? "Re-enabling…" : "Re-enable"}
            </button>
          )}
        </div>
        {health.state !== "healthy" && health.last_error && <div className="help muted">Last error: {health.last_error}</div>}
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
      </div>
    </section>
  );
}
