"use client";

// The row checkboxes of a server-rendered list (input[data-bulk-select], value = the row's
// name) and the "Select all on this page" box that ticks them all, for a list's bulk actions.

/** The names of the checked rows. */
export const checkedNames = () =>
  Array.from(document.querySelectorAll<HTMLInputElement>("input[data-bulk-select]:checked")).map((el) => el.value);

/** Sets every row checkbox of the page (clearing them clears "Select all" too). */
export function checkAll(on: boolean): void {
  for (const el of document.querySelectorAll<HTMLInputElement>("input[data-bulk-select]")) el.checked = on;
  if (!on) for (const el of document.querySelectorAll<HTMLInputElement>("input[data-select-all]")) el.checked = false;
}

export function SelectAll({ label, onChange }: { label: string; onChange?: () => void }) {
  return (
    <label className="check muted">
      <input
        type="checkbox"
        aria-label="Select all on this page"
        data-select-all
        onChange={(e) => {
          checkAll(e.target.checked);
          onChange?.();
        }}
      />
      {label}
    </label>
  );
}
