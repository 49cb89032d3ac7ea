"use client";

import { useEffect, useRef, type ReactNode } from "react";

/** A native modal <dialog>: focus trapping and Esc come from the browser. */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (!d.open) d.showModal();
    const onCancel = () => close.current();
    d.addEventListener("close", onCancel);
    return () => d.removeEventListener("close", onCancel);
  }, []);
  return (
    <dialog ref={ref} aria-label={title} className={wide ? "dialog-wide" : undefined}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}
