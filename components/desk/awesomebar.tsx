"use client";

// The awesomebar: the top bar's search box, as in Frappe's desk. Ctrl+K or Ctrl+G (⌘K on a
// Mac) focuses it from anywhere; typing lists the desk's pages that match (from the sidebar,
// at once) and the records the server finds (/api/desk-search: webhooks, documents and their
// Request Log, log entries, events, DocTypes, users). Arrow keys move through the results,
// Enter opens one, Escape closes the list (and a second Escape leaves the box). An ARIA
// combobox: the input keeps the focus and names the active option.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useDebounced } from "@/components/use-debounced";
import { api } from "@/lib/api-client";
import type { DeskSearchResult } from "@/lib/services/desk-search/desk-search";
import { leaveGuarded } from "./leave-guard";
import { GROUPS } from "./sidebar";

interface Option {
  kind: string;
  label: string;
  description: string;
  href: string;
}

const DEBOUNCE_MS = 120;
const PAGES: Option[] = GROUPS.flatMap((g) => g.links.map((l) => ({ kind: "Page", label: l.label, description: g.label, href: l.href })));

/** The desk's pages whose label has every word of `q` (case-insensitively). */
function matchingPages(q: string): Option[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  return PAGES.filter((p) => words.every((w) => p.label.toLowerCase().includes(w))).slice(0, 5);
}

export function Awesomebar() {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const listId = useId();
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const q = useDebounced(text.trim(), DEBOUNCE_MS);
  const { data, isFetching, isError } = useQuery({
    queryKey: ["desk-search", q],
    queryFn: () => api<{ data: DeskSearchResult[] }>(`/api/desk-search?q=${encodeURIComponent(q)}`).then((r) => r.data),
    enabled: q.length > 0,
    staleTime: 10_000,
    placeholderData: keepPreviousData,
  });
  const options = useMemo<Option[]>(() => (q ? [...matchingPages(q), ...(data ?? [])] : []), [q, data]);
  const shown = open && text.trim().length > 0;

  useEffect(() => setActive(0), [q]);

  // Ctrl+K / Ctrl+G (⌘K / ⌘G) from anywhere in the desk.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && (e.key === "k" || e.key === "K" || e.key === "g" || e.key === "G")) {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
        setOpen(true);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // A click elsewhere closes the list.
  useEffect(() => {
    if (!shown) return;
    const onDown = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [shown]);

  const go = (o: Option | undefined) => {
    if (!o) return;
    setOpen(false);
    setText("");
    input.current?.blur();
    // A form with unsaved changes asks first, as for a link.
    if (!leaveGuarded(o.href)) router.push(o.href);
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setOpen(true);
      if (!options.length) return;
      setActive((i) => (e.key === "ArrowDown" ? (i + 1) % options.length : (i - 1 + options.length) % options.length));
    } else if (e.key === "Enter") {
      e.preventDefault();
      go(options[active]);
    } else if (e.key === "Escape") {
      if (shown) setOpen(false);
      else input.current?.blur();
    }
  };

  const optionId = (i: number) => `${listId}-option-${i}`;
  const status = isError ? "Search failed" : isFetching && !options.length ? "Searching…" : options.length ? "" : "No results";
  return (
    <div className="awesomebar" ref={box}>
      <input
        ref={input}
        type="search"
        role="combobox"
        aria-label="Search"
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={listId}
        aria-activedescendant={shown && options[active] ? optionId(active) : undefined}
        placeholder="Search or jump to (Ctrl+K)"
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKeyDown}
      />
      <div className="awesomebar-menu" hidden={!shown}>
        <ul id={listId} role="listbox" aria-label="Search results" className="awesomebar-results">
          {options.map((o, i) => (
            <li
              key={`${o.kind}:${o.href}`}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseEnter={() => setActive(i)}
              // mousedown, not click: the input's blur would close the list first.
              onMouseDown={(e) => {
                e.preventDefault();
                go(o);
              }}
            >
              <span className="awesomebar-label">{o.label}</span>
              <span className="awesomebar-kind">
                {o.kind}
                {o.description ? ` · ${o.description}` : ""}
              </span>
            </li>
          ))}
        </ul>
        {/* Not role=status: that is the desk's toasts. */}
        <p className="awesomebar-empty" aria-live="polite">
          {shown ? status : ""}
        </p>
      </div>
    </div>
  );
}
