"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

type Pending = { kind: "link"; href: string } | { kind: "back" };

const SENTINEL = "__leaveGuard";

/** The armed guard's prompt for a navigation made in code (not a link click), if one is armed. */
let askBeforeLeaving: ((href: string) => void) | null = null;

/**
 * For navigations made in code (e.g. a search box's Enter): true when a form with unsaved
 * changes took over (it asks, and goes to `href` on "Leave"); false when the caller may go.
 */
export function leaveGuarded(href: string): boolean {
  if (!askBeforeLeaving) return false;
  askBeforeLeaving(href);
  return true;
}

/** A same-tab, same-origin link click that would leave this page, or null. */
function leavingHref(e: MouseEvent): string | null {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return null;
  const a = e.target instanceof Element ? e.target.closest("a[href]") : null;
  if (!(a instanceof HTMLAnchorElement) || a.hasAttribute("download")) return null;
  if (a.target && a.target !== "_self") return null;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin) return null;
  const here = new URL(window.location.href);
  if (url.pathname === here.pathname && url.search === here.search) return null; // same page (or a #hash)
  return url.pathname + url.search + url.hash;
}

/**
 * While `armed` (a form with unsaved changes), leaving the page asks first: in-app link clicks
 * (sidebar, breadcrumbs, menus) and the browser's Back button open a "Leave" / "Stay" dialog;
 * closing or reloading the tab gets the browser's own beforeunload prompt.
 *
 * Back: on arming, the current entry is pushed once more (same URL and router state), so Back
 * first lands on this same page, where the dialog asks; "Leave" then goes back for real.
 */
export function LeaveGuard({ armed }: { armed: boolean }) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const armedRef = useRef(armed);
  armedRef.current = armed;

  useEffect(() => {
    if (!armed) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    const onClick = (e: MouseEvent) => {
      const href = leavingHref(e);
      if (href === null) return;
      e.preventDefault();
      e.stopPropagation();
      setPending({ kind: "link", href });
    };
    const onPop = () => {
      if (!armedRef.current) return;
      setPending({ kind: "back" });
    };
    if (!(window.history.state as Record<string, unknown> | null)?.[SENTINEL]) {
      window.history.pushState({ ...(window.history.state as object | null), [SENTINEL]: true }, "", window.location.href);
    }
    const ask = (href: string) => setPending({ kind: "link", href });
    askBeforeLeaving = ask;
    window.addEventListener("beforeunload", warn);
    window.addEventListener("click", onClick, true);
    window.addEventListener("popstate", onPop);
    return () => {
      if (askBeforeLeaving === ask) askBeforeLeaving = null;
      window.removeEventListener("beforeunload", warn);
      window.removeEventListener("click", onClick, true);
      window.removeEventListener("popstate", onPop);
    };
  }, [armed]);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (pending && !d.open) d.showModal();
    if (!pending && d.open) d.close();
  }, [pending]);

  const stay = () => {
    // Back already left the guard entry: put it back so the next Back asks again.
    if (pending?.kind === "back" && armedRef.current) {
      window.history.pushState({ ...(window.history.state as object | null), [SENTINEL]: true }, "", window.location.href);
    }
    setPending(null);
  };

  const leave = () => {
    const p = pending;
    armedRef.current = false;
    setPending(null);
    if (p?.kind === "link") router.push(p.href);
    else if (p?.kind === "back") window.history.back();
  };

  return (
    <dialog
      ref={dialog}
      role="alertdialog"
      aria-labelledby="leave-guard-title"
      aria-describedby="leave-guard-text"
      onCancel={(e) => {
        e.preventDefault();
        stay();
      }}
    >
      <h2 id="leave-guard-title">Unsaved changes</h2>
      <p id="leave-guard-text">You have unsaved changes. Leave this page and lose them?</p>
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn" onClick={stay} autoFocus>
          Stay
        </button>
        <button type="button" className="btn btn-danger-solid" onClick={leave}>
          Leave
        </button>
      </div>
    </dialog>
  );
}
