"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { api } from "@/lib/api-client";
import { checkedNames, SelectAll } from "@/components/desk/bulk-select";
import { Modal } from "@/components/desk/modal";

interface Job {
  id: string;
  status: string;
  total: number;
  done: number;
  skipped: number;
  error: string | null;
}

type Target = { names: string[] } | { filters: Record<string, string> };

/**
 * Bulk Resend: the checked rows, or — with none checked — every Failed/Exhausted row the
 * filters match. Asks with the exact count first, then follows the background job.
 */
export function BulkResend({ filters }: { filters: Record<string, string> }) {
  const router = useRouter();
  const [confirm, setConfirm] = useState<{ target: Target; count: number; selected: boolean } | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function ask() {
    setError(null);
    const names = checkedNames();
    const target: Target = names.length ? { names } : { filters };
    setBusy(true);
    try {
      const r = await api<{ count: number }>("/api/webhook-request-log/bulk-resend", { body: { ...target, dry_run: true } });
      setConfirm({ target, count: r.count, selected: names.length > 0 });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function start(target: Target) {
    setConfirm(null);
    try {
      const r = await api<{ job: Job }>("/api/webhook-request-log/bulk-resend", { body: target });
      setJob(r.job);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const running = !!job && (job.status === "Queued" || job.status === "Running");
  const jobId = job?.id;
  useEffect(() => {
    if (!running || !jobId) return;
    const t = setInterval(() => {
      api<{ job: Job }>(`/api/job/${jobId}`)
        .then((r) => {
          setJob(r.job);
          if (r.job.status !== "Queued" && r.job.status !== "Running") router.refresh();
        })
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    }, 500);
    return () => clearInterval(t);
  }, [running, jobId, router]);

  return (
    <div className="row">
      <SelectAll label="Select page" />
      <button
        className="btn btn-sm"
        type="button"
        onClick={() => void ask()}
        disabled={busy || running}
        title="Resend the checked rows, or all Failed/Exhausted rows matching the filters"
      >
        Resend
      </button>
      {job && (
        <span className="row bulk-progress" role="status" data-testid="bulk-resend-progress">
          <progress value={job.done} max={Math.max(1, job.total)} aria-label="Resend progress" />
          {running
            ? `Resending… ${job.done} of ${job.total}`
            : job.status === "Completed"
              ? `Resent ${job.done - job.skipped} of ${job.total}`
              : `Stopped: ${job.error ?? ""}`}
        </span>
      )}
      {error && (
        <span className="alert-error" role="alert">
          {error}
        </span>
      )}
      {confirm && (
        <Modal
          title={confirm.count ? `Resend ${confirm.count} request${confirm.count === 1 ? "" : "s"}?` : "Nothing to resend"}
          onClose={() => setConfirm(null)}
        >
          <p className="muted">
            {confirm.count
              ? `The ${confirm.selected ? "selected" : "filtered"} Failed and Exhausted requests are sent again now, each as a new manual attempt.`
              : `No Failed or Exhausted requests ${confirm.selected ? "are selected" : "match these filters"}.`}
          </p>
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button className="btn" type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            {confirm.count > 0 && (
              <button className="btn btn-primary" type="button" onClick={() => void start(confirm.target)}>
                Resend {confirm.count}
              </button>
            )}
          </div>
        </Modal>
      )}
    </div>
  );
}
