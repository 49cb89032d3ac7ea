"use client";
// Send Test (frappe/frappe#13158): sends the unsaved form's request for the preview document
// now, and shows the receiver's answer inline. The row it logs is marked as a test.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { Indicator } from "@/components/desk/page-head";
import { WEBHOOK_STATS_KEY } from "@/components/webhook-delivery-chart";
import { api } from "@/lib/api-client";
import type { TestSendResult } from "@/lib/services/webhook/webhook-test-send";
import type { PreviewRequest } from "./queries";

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function SendTest({ request, disabled }: { request: PreviewRequest; disabled: boolean }) {
  const queries = useQueryClient();
  const send = useMutation({
    mutationFn: (body: PreviewRequest) => api<{ data: TestSendResult }>("/api/webhook-test", { body }).then((r) => r.data),
    // The test request is logged: the Deliveries panel counts it at once.
    onSettled: () => queries.invalidateQueries({ queryKey: [WEBHOOK_STATS_KEY] }),
  });
  const r = send.data;
  const ok = r?.status === "Delivered";
  return (
    <div className="field" data-fieldname="send_test">
      <div className="row">
        <button
          type="button"
          className="btn"
          disabled={disabled || send.isPending}
          onClick={() => send.mutate(request)}
          title={disabled ? "Select a document first" : undefined}
        >
          {send.isPending ? "Sending…" : "Send Test"}
        </button>
        <span className="muted">Sends this request to the Request URL now; the log marks it as a test.</span>
      </div>
      <div aria-live="polite" data-testid="test-result">
        {send.error && (
          <div className="error" role="alert">
            {send.error.message}
          </div>
        )}
        {r && !send.isPending && (
          <>
            <div className="row" style={{ marginTop: 8 }}>
              <Indicator color={ok ? "green" : "red"}>{r.http_status !== null ? `HTTP ${r.http_status}` : "No response"}</Indicator>
              <span>{r.status}</span>
              <span className="muted">{r.duration_ms} ms</span>
              <Link href={`/app/webhook-request-log/${encodeURIComponent(r.request_log)}`}>View Log</Link>
            </div>
            {r.error && <div className="error-text">{r.error}</div>}
            {r.response ? (
              <pre className="codeview" aria-label="Test Response" data-testid="test-response">
                {pretty(r.response)}
              </pre>
            ) : (
              <div className="muted">Empty response body.</div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
