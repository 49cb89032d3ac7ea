"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { api } from "@/lib/api-client";
import { Modal } from "@/components/desk/modal";

interface Preview {
  diff: string;
  changed: boolean;
}

/** Resend and Re-render and send, on one log; the page refreshes itself while a send is pending. */
export function LogActions({ name, pending }: { name: string; pending: boolean }) {
  const router = useRouter();
  const base = `/api/webhook-request-log/${encodeURIComponent(name)}`;
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);

  // A send due within the minute lands soon: refresh until it has (a retry hours away is not watched).
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => router.refresh(), 1000);
    return () => clearInterval(t);
  }, [pending, router]);

  async function run(what: () => Promise<unknown>, done: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
      router.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        className="btn"
        type="button"
        disabled={busy}
        onClick={() => void run(() => api(`${base}/resend`, { method: "POST" }), "Queued: the stored request is sent again now.")}
      >
        Resend
      </button>
      <button
        className="btn"
        type="button"
        disabled={busy}
        onClick={() =>
          void run(async () => {
            const r = await api<{ data: Preview }>(`${base}/rerender`);
            setPreview(r.data);
          }, "")
        }
      >
        Re-render and send
      </button>
      {notice && (
        <span className="indicator blue" role="status">
          {notice}
        </span>
      )}
      {error && (
        <span className="alert-error" role="alert" style={{ padding: "4px 10px", borderRadius: 6 }}>
          {error}
        </span>
      )}
      {preview && (
        <Modal title="Re-render and send" wide onClose={() => setPreview(null)}>
          {preview.changed ? (
            <>
              <p className="muted">The current document and webhook give this request. Changes from the original (headers masked):</p>
              <pre className="codeview diff" data-testid="rerender-diff">
                {preview.diff.split("\n").map((line, i) => (
                  <span
                    key={i}
                    className={
                      line.startsWith("+") && !line.startsWith("+++")
                        ? "add"
                        : line.startsWith("-") && !line.startsWith("---")
                          ? "del"
                          : undefined
                    }
                  >
                    {line}
                    {"\n"}
                  </span>
                ))}
              </pre>
            </>
          ) : (
            // An empty diff is only its "---/+++" header lines: say so in words instead.
            <p className="muted" data-testid="rerender-diff">
              No differences: the re-rendered request is the same as the original.
            </p>
          )}
          <div className="row" style={{ justifyContent: "flex-end", marginTop: 12 }}>
            <button className="btn" type="button" onClick={() => setPreview(null)}>
              Cancel
            </button>
            <button
              className="btn btn-primary"
              type="button"
              onClick={() => {
                setPreview(null);
                void run(() => api(`${base}/rerender`, { method: "POST" }), "Queued: the re-rendered request is sent now.");
              }}
            >
              Send
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
