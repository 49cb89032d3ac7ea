"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api-client";

/** Delete with a confirm dialog (Frappe: "Permanently delete …?"), from its button or the form menu. */
export function DeleteWebhookButton({ name, asked = 0 }: { name: string; asked?: number }) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  // `asked` counts requests from elsewhere (the form menu's Delete): each one opens the dialog.
  useEffect(() => {
    if (asked > 0) setOpen(true);
  }, [asked]);
  const del = useMutation({
    mutationFn: () => api<{ message: string }>(`/api/resource/Webhook/${encodeURIComponent(name)}`, { method: "DELETE" }),
    onSuccess: () => {
      dialog.current?.close();
      router.push("/app/webhook");
      router.refresh();
    },
  });

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
    if (!open) opener.current?.focus({ preventScroll: true });
  }, [open]);

  return (
    <>
      {/* Hidden while the dialog is open, so "Delete" names one button on the page. */}
      <button ref={opener} type="button" className="btn btn-danger" hidden={open} onClick={() => setOpen(true)}>
        Delete
      </button>
      <dialog ref={dialog} aria-labelledby="delete-webhook-title" onClose={() => setOpen(false)}>
        <h2 id="delete-webhook-title">Delete Webhook</h2>
        <p>
          Permanently delete Webhook <strong>{name}</strong>? Requests already logged stay in the Webhook Request Log.
        </p>
        {del.error && (
          <div className="alert alert-error" role="alert">
            {del.error.message}
          </div>
        )}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={() => setOpen(false)} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger-solid" onClick={() => del.mutate()} disabled={del.isPending}>
            {del.isPending ? "Deleting…" : "Yes, Delete"}
          </button>
        </div>
      </dialog>
    </>
  );
}
