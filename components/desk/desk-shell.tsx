"use client";

// The desk's frame: the top bar and the sidebar around a page. On a narrow screen (a phone)
// the sidebar is hidden behind the top bar's Menu button and opens over the page; following a
// link, Escape or a click outside closes it again.
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { leaveGuarded } from "./leave-guard";
import { Modal } from "./modal";
import { Sidebar } from "./sidebar";

/** Ctrl+B: the new document of the list or form you are on. */
const NEW_OF: [prefix: string, href: string][] = [
  ["/app/webhook-request-log", ""],
  ["/app/webhook", "/app/webhook/new"],
  ["/app/user", "/app/user/new"],
];

const SHORTCUTS: [keys: string, what: string][] = [
  ["Ctrl+S", "Save the form"],
  ["Ctrl+B", "New Webhook or User (on their lists and forms)"],
  ["Ctrl+K or Ctrl+G", "Search (the awesomebar)"],
  ["Shift+/", "These shortcuts"],
  ["Escape", "Close a dialog, a menu or the search results"],
];

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");

const SIDEBAR_ID = "desk-sidebar";

export function DeskShell({ bar, children }: { bar: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const [help, setHelp] = useState(false);
  const path = usePathname();
  const router = useRouter();
  const button = useRef<HTMLButtonElement>(null);
  const nav = useRef<HTMLDivElement>(null);

  useEffect(() => setOpen(false), [path]);
  // Desk-wide shortcuts (Ctrl+S belongs to the form, Ctrl+K to the awesomebar).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "?" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target)) {
        e.preventDefault();
        setHelp(true);
      } else if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "b") {
        const href = NEW_OF.find(([prefix]) => path === prefix || path.startsWith(prefix + "/"))?.[1];
        if (!href || path === href) return;
        e.preventDefault();
        if (!leaveGuarded(href)) router.push(href);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [path, router]);
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
      {help ? (
        <Modal title="Keyboard Shortcuts" onClose={() => setHelp(false)}>
          <dl className="kv">
            {SHORTCUTS.map(([keys, what]) => (
              <div key={keys} style={{ display: "contents" }}>
                <dt>
                  <kbd>{keys}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
          <div className="row" style={{ justifyContent: "flex-end", marginTop: 12 }}>
            <button type="button" className="btn" onClick={() => setHelp(false)}>
              Close
            </button>
          </div>
        </Modal>
      ) : null}
    </>
  );
}
