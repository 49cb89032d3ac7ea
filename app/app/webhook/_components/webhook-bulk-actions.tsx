"use client";

// Bulk actions on the Webhook list: the checked rows are enabled, disabled or (after a
// confirmation naming how many) deleted, one REST call each, as a user doing it by hand would;
// what failed is listed by name and the rest still happens. Disabling holds a webhook's
// pending requests and enabling releases them, as on the form.
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { api } from "@/lib/api-client";
import { checkAll, checkedNames, SelectAll } from "@/components/desk/bulk-select";
import { Modal } from "@/components/desk/modal";

type Action = "enable" | "disable" | "delete";
const DONE: Record<Action, string> = { enable: "Enabled", disable: "Disabled", delete: "Deleted" };
const plural = (n: number) => `${n} Webhook${n === 1 ? "" : "s"}`;

export function WebhookBulkActions() {
  const router = useRouter();
  const [selected, setSelected] = useState<string[]>([]);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  // The row checkboxes are server-rendered: follow them through the document.
  useEffect(() => {
    const sync = () => setSelected(checkedNames());
    document.addEventListener("change", sync);
    return () => document.removeEventListener("change", sync);
  }, []);

  async function run(action: Action) {
    setConfirmDelete(false);
    setBusy(true);
    setMessage(null);
    const names = checkedNames();
    const failed: string[] = [];
    for (const name of names) {
      const url = `/api/resource/Webhook/${encodeURIComponent(name)}`;
      try {
        if (action === "delete") await api(url, { method: "DELETE" });
        else await api(url, { method: "PUT", body: { enabled: action === "enable" ? 1 : 0 } });
      } catch (e) {
        failed.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    setBusy(false);
    const done = names.length - failed.length;
    setMessage(
      failed.length
        ? { ok: false, text: `${DONE[action]} ${plural(done)}; ${failed.length} failed — ${failed.join("; ")}` }
        : { ok: true, text: `${DONE[action]} ${plural(done)}` },
    );
    checkAll(false);
    setSelected([]);
    router.refresh();
  }

  const none = selected.length === 0 || busy;
  return (
    <div className="bulk-bar">
      <SelectAll label={selected.length ? `${selected.length} selected` : "Select"} onChange={() => setSelected(checkedNames())} />
      <button type="button" className="btn btn-sm" disabled={none} onClick={() => void run("enable")}>
        Enable
      </button>
      <button type="button" className="btn btn-sm" disabled={none} onClick={() => void run("disable")}>
        Disable
      </button>
      <button type="button" className="btn btn-sm btn-danger" disabled={none} onClick={() => setConfirmDelete(true)}>
        Delete
      </button>
      {message ? (
        <span className={message.ok ? "muted" : "error-text"} aria-live="polite">
          {message.text}
        </span>
      ) : null}
      {confirmDelete ? (
        <Modal title={`Delete ${plural(selected.length)}?`} onClose={() => setConfirmDelete(false)}>
          <p>{selected.join(", ")} will be deleted; their pending requests end Cancelled. This cannot be undone.</p>
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <button type="button" className="btn" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
            <button type="button" className="btn btn-danger-solid" onClick={() => void run("delete")}>
              Delete
            </button>
          </div>
        </Modal>
      ) : null}
    </div>
  );
}
