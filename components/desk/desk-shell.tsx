"use client";

// The desk's frame: the top bar and the sidebar around a page. On a narrow screen (a phone)
// the sidebar is hidden behind the top bar's Menu button and opens over the page; following a
// link, Escape or a click outside closes it again.
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Sidebar } from "./sidebar";

const SIDEBAR_ID = "desk-sidebar";

export function DeskShell({ bar, children }: { bar: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const path = usePathname();
  const button = useRef<HTMLButtonElement>(null);
  const nav = useRef<HTMLDivElement>(null);

  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!nav.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onDown);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onDown);
    };
  }, [open]);

  return (
    <>
      <header className="navbar">
        <button
          ref={button}
          type="button"
          className="btn btn-icon menu-button"
          aria-label="Menu"
          aria-expanded={open}
          aria-controls={SIDEBAR_ID}
          onClick={() => setOpen((o) => !o)}
        >
          <span aria-hidden="true">☰</span>
        </button>
        {bar}
      </header>
      <div className="desk">
        <div ref={nav} id={SIDEBAR_ID} className={`sidebar-wrap${open ? " open" : ""}`}>
          <Sidebar />
        </div>
        <main className="main">{children}</main>
      </div>
    </>
  );
}
