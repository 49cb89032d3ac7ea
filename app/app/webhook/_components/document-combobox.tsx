"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type KeyboardEvent } from "react";
import { documentSearchQuery } from "./queries";
import { useDebounced } from "./use-webhook-form";

/**
 * A searchable select of the stored documents of a DocType (Frappe's Dynamic Link with
 * awesomplete): type to search, ↑/↓ and Enter or click to choose. Typing a document's exact
 * name also chooses it.
 */
export function DocumentCombobox({
  id,
  doctype,
  value,
  onChange,
}: {
  id: string;
  doctype: string;
  value: string;
  onChange: (name: string) => void;
}) {
  const listId = useId();
  const [text, setText] = useState(value);
  const [open, setOpen] = useState(false);
  // -1: nothing highlighted yet, so Enter prefers the exact name typed.
  const [active, setActive] = useState(-1);
  const q = useDebounced(text.trim(), 150);
  const { data: options = [], isFetching } = useQuery({ ...documentSearchQuery(doctype, q), placeholderData: keepPreviousData });

  // The DocType changed (value reset by the parent): start over.
  useEffect(() => setText(value), [value]);

  useEffect(() => {
    const exact = text.trim();
    if (exact && exact !== value && options.some((o) => o.name === exact)) onChange(exact);
  }, [options, text, value, onChange]);

  function choose(name: string) {
    setText(name);
    setOpen(false);
    onChange(name);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setOpen(true);
      const n = options.length;
      if (n) setActive((a) => (e.key === "ArrowDown" ? (a + 1) % n : a <= 0 ? n - 1 : a - 1));
    } else if (e.key === "Enter") {
      // Enter chooses; it must never submit (save) the surrounding form.
      e.preventDefault();
      const pick = options[active] ?? options.find((o) => o.name === text.trim()) ?? (options.length === 1 ? options[0] : undefined);
      if (pick) choose(pick.name);
      else setOpen(true);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
    }
  }

  const expanded = open && doctype !== "";
  return (
    <div className="combobox">
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && options[active] ? `${listId}-${active}` : undefined}
        placeholder={doctype ? `Search ${doctype}…` : "Select a DocType first"}
        disabled={!doctype}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(-1);
          setOpen(true);
          if (e.target.value.trim() === "") onChange("");
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {expanded && (
        <ul className="combobox-list" role="listbox" id={listId} aria-label={`${doctype} documents`}>
          {options.length === 0 && <li className="muted combobox-empty">{isFetching ? "Searching…" : "No documents found"}</li>}
          {options.map((o, i) => (
            <li
              key={o.name}
              id={`${listId}-${i}`}
              role="option"
              // Named by the document alone; its title is a visual hint.
              aria-label={o.name}
              aria-selected={i === active || (active < 0 && o.name === value)}
              className={i === active ? "active" : undefined}
              // mousedown, not click: keep the input's focus so blur does not close first
              onMouseDown={(e) => {
                e.preventDefault();
                choose(o.name);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="combobox-name">{o.name}</span>
              {o.title && <span className="muted"> · {o.title}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
