"use client";

import { useEffect, useRef, type KeyboardEvent, type ReactNode } from "react";

export interface ChildTableColumn {
  key: string;
  label: string;
  width?: string;
  /** Renders the cell's control; `label` is the control's accessible name, e.g. "Key 1". */
  render: (index: number, label: string) => ReactNode;
}

/**
 * Frappe's editable grid for a child table: numbered rows, add / delete / reorder, and the
 * keyboard: Enter moves down a row (adding one after the last), Ctrl+↑/↓ moves the row,
 * Ctrl+Delete deletes it. State lives with the caller (useFieldArray), keyed by `rowIds`.
 */
export function ChildTable({
  label,
  columns,
  rowIds,
  onAdd,
  onDelete,
  onMove,
  error,
  emptyText = "No Data",
  disabled,
}: {
  label: string;
  columns: ChildTableColumn[];
  rowIds: string[];
  onAdd: () => void;
  onDelete: (index: number) => void;
  onMove: (from: number, to: number) => void;
  error?: string;
  emptyText?: string;
  disabled?: boolean;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  // Which cell to focus once React has rendered the row change that keyboard made.
  const pendingFocus = useRef<{ row: number; col: number } | null>(null);
  const count = rowIds.length;

  useEffect(() => {
    const target = pendingFocus.current;
    if (!target) return;
    pendingFocus.current = null;
    focusCell(body.current, Math.min(target.row, count - 1), target.col);
  });

  function add(focusCol = 0) {
    pendingFocus.current = { row: count, col: focusCol };
    onAdd();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTableSectionElement>) {
    const cell = (e.target as HTMLElement).closest<HTMLElement>("td[data-col]");
    const tr = cell?.closest<HTMLElement>("tr[data-row]");
    if (!cell || !tr || disabled) return;
    const row = Number(tr.dataset.row);
    const col = Number(cell.dataset.col);
    const mod = e.ctrlKey || e.metaKey;
    if (e.key === "Enter" && !mod && !e.shiftKey && !(e.target instanceof HTMLTextAreaElement)) {
      // Never let Enter submit the surrounding form from inside the grid.
      e.preventDefault();
      if (row === count - 1) add(0);
      else focusCell(body.current, row + 1, col);
    } else if (mod && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      const to = e.key === "ArrowUp" ? row - 1 : row + 1;
      if (to < 0 || to >= count) return;
      e.preventDefault();
      pendingFocus.current = { row: to, col };
      onMove(row, to);
    } else if (mod && e.key === "Delete") {
      e.preventDefault();
      pendingFocus.current = { row, col };
      onDelete(row);
    }
  }

  return (
    <div className={`child-table${error ? " has-error" : ""}`}>
      <table className="grid-table" aria-label={label} title="Enter: next row · Ctrl+↑/↓: move row · Ctrl+Delete: delete row">
        <thead>
          <tr>
            <th scope="col" className="idx">
              No.
            </th>
            {columns.map((c) => (
              <th key={c.key} scope="col" style={c.width ? { width: c.width } : undefined}>
                {c.label}
              </th>
            ))}
            <th scope="col" className="ops">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody ref={body} onKeyDown={onKeyDown}>
          {count === 0 && (
            <tr>
              <td colSpan={columns.length + 2} className="empty-row">
                {emptyText}
              </td>
            </tr>
          )}
          {rowIds.map((id, i) => {
            const n = i + 1;
            return (
              <tr key={id} data-row={i}>
                <td className="idx">{n}</td>
                {columns.map((c, ci) => (
                  <td key={c.key} data-col={ci}>
                    {c.render(i, `${c.label} ${n}`)}
                  </td>
                ))}
                <td className="ops">
                  <button
                    type="button"
                    className="btn btn-sm btn-icon"
                    aria-label={`Move Row ${n} Up`}
                    title="Move up (Ctrl+↑)"
                    disabled={disabled || i === 0}
                    onClick={() => onMove(i, i - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm btn-icon"
                    aria-label={`Move Row ${n} Down`}
                    title="Move down (Ctrl+↓)"
                    disabled={disabled || i === count - 1}
                    onClick={() => onMove(i, i + 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm btn-icon btn-danger"
                    aria-label={`Delete Row ${n}`}
                    title="Delete (Ctrl+Delete)"
                    disabled={disabled}
                    onClick={() => onDelete(i)}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="child-table-foot">
        <button type="button" className="btn btn-sm" onClick={() => add(0)} disabled={disabled}>
          Add Row
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

function focusCell(body: HTMLElement | null, row: number, col: number) {
  if (!body || row < 0) return;
  body.querySelector<HTMLElement>(`tr[data-row="${row}"] td[data-col="${col}"] :is(input, select, textarea)`)?.focus();
}
