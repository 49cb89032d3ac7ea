"use client";

import { useEffect, useRef, type ReactNode } from "react";
import { LeaveGuard } from "./leave-guard";
import { PageHead, type Crumb } from "./page-head";

/**
 * The desk's form view: page head with "Not Saved" indicator, Save button, Ctrl+S / ⌘+S,
 * a form-level error, and a leave-page prompt while there are unsaved changes (`unsaved`,
 * default `dirty`: a new document shows "Not Saved" before anything is typed, but only edits
 * are worth a prompt).
 */
export function FormView({
  title,
  breadcrumbs,
  dirty,
  saving,
  onSave,
  error,
  indicator,
  actions,
  saveLabel = "Save",
  unsaved = dirty,
  children,
}: {
  title: string;
  breadcrumbs: Crumb[];
  dirty: boolean;
  saving: boolean;
  onSave: () => void;
  error?: string | null;
  indicator?: ReactNode;
  actions?: ReactNode;
  saveLabel?: string;
  unsaved?: boolean;
  children: ReactNode;
}) {
  const save = useRef(onSave);
  save.current = onSave;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        save.current();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSave();
      }}
    >
      <PageHead
        title={title}
        breadcrumbs={breadcrumbs}
        indicator={
          dirty ? (
            <span className="indicator orange" data-testid="not-saved">
              Not Saved
            </span>
          ) : (
            indicator
          )
        }
        actions={
          <>
            {actions}
            <button className="btn btn-primary" type="submit" disabled={saving} title="Ctrl+S">
              {saving ? "Saving…" : saveLabel}
            </button>
          </>
        }
      />
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {children}
      <LeaveGuard armed={unsaved} />
    </form>
  );
}

export function Section({ title, children, collapsible }: { title?: string; children: ReactNode; collapsible?: boolean }) {
  if (collapsible && title) {
    return (
      <details className="section" open>
        <summary className="section-title">{title}</summary>
        {children}
      </details>
    );
  }
  return (
    <div className="section">
      {title && <div className="section-title">{title}</div>}
      {children}
    </div>
  );
}

/** Label + control + help + error, with the label tied to the control for accessibility. */
export function Field({
  id,
  label,
  error,
  help,
  required,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  help?: ReactNode;
  required?: boolean;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? " has-error" : ""}`} data-fieldname={id}>
      <label htmlFor={id} className={required ? "reqd" : undefined}>
        {label}
      </label>
      {children}
      {help && <div className="help">{help}</div>}
      {error && (
        <div className="error" role="alert" id={`${id}-error`}>
          {error}
        </div>
      )}
    </div>
  );
}

export function CheckField({ id, label, help, children }: { id: string; label: string; help?: ReactNode; children: ReactNode }) {
  return (
    <div className="field" data-fieldname={id}>
      <div className="check">
        {children}
        <label htmlFor={id}>{label}</label>
      </div>
      {help && <div className="help">{help}</div>}
    </div>
  );
}

/** The `<option>`s of a select whose values are a constant list (labels default to the values). */
export function Options({ values, labels }: { values: readonly string[]; labels?: Partial<Record<string, string>> }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {labels?.[v] ?? v}
        </option>
      ))}
    </>
  );
}
