"use client";

// A form's "…" menu, as in Frappe's desk: a button that opens a list of actions (an ARIA menu:
// arrow keys move, Enter or a click chooses, Escape or a click outside closes and gives the
// focus back to the button). An action is a link (href: through the leave-page guard like any
// link) or a function; a disabled one is shown but cannot be chosen.
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";

export interface MenuAction {
  label: string;
  href?: string;
  onSelect?: () => void;
  disabled?: boolean;
}

export function FormMenu({ actions, label = "More actions" }: { actions: MenuAction[]; label?: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const items = useRef<(HTMLElement | null)[]>([]);

  useEffect(() => {
    if (!open) return;
    items.current.find((el) => el && el.getAttribute("aria-disabled") !== "true")?.focus();
    const onDown = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    const live = items.current.filter((el): el is HTMLElement => !!el);
    const at = live.indexOf(document.activeElement as HTMLElement);
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = e.key === "ArrowDown" ? (at + 1) % live.length : (at - 1 + live.length) % live.length;
      live[next]?.focus();
    } else if (e.key === "Tab") setOpen(false);
  };

  return (
    <div className="form-menu" ref={box}>
      <button
        ref={button}
        type="button"
        className="btn"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">…</span>
      </button>
      {open ? (
        <div id={id} role="menu" aria-label={label} className="form-menu-list" onKeyDown={onKeyDown}>
          {actions.map((a, i) =>
            a.href && !a.disabled ? (
              <Link key={a.label} ref={(el) => void (items.current[i] = el)} role="menuitem" href={a.href} onClick={() => setOpen(false)}>
                {a.label}
              </Link>
            ) : (
              <button
                key={a.label}
                ref={(el) => void (items.current[i] = el)}
                type="button"
                role="menuitem"
                aria-disabled={a.disabled ? "true" : undefined}
                onClick={() => {
                  if (a.disabled) return;
                  setOpen(false);
                  a.onSelect?.();
                }}
              >
                {a.label}
              </button>
            ),
          )}
        </div>
      ) : null}
    </div>
  );
}
