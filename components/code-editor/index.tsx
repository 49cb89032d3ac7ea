"use client";

import dynamic from "next/dynamic";
import type { CodeEditorProps } from "./types";

export type { CodeEditorProps, CodeMarker } from "./types";

// Monaco touches `window` at import time and is large: load it only in the browser, only
// where a code field is shown.
const MonacoEditor = dynamic(() => import("./monaco-editor-impl"), {
  ssr: false,
  loading: () => (
    <div className="code-editor-loading" aria-busy="true">
      Loading editor…
    </div>
  ),
});

/**
 * A Monaco code editor bundled from the local `monaco-editor` package (no CDN), with its
 * web workers, plus a plain-text twin: a nearly invisible <textarea> bound to the same value
 * and named by `ariaLabel` (or the <label> for `id`). The twin exists before Monaco has
 * loaded, gives assistive tech a plain textbox, and lets automation fill the field exactly
 * (`getByLabel(ariaLabel).fill(text)`), which Monaco's own input, with its auto-closing
 * brackets and auto-indent, cannot.
 */
export function CodeEditor(props: CodeEditorProps) {
  const { id, value, onChange, onBlur, ariaLabel, readOnly, invalid, height = "240px" } = props;
  return (
    <div className={`code-editor${invalid ? " invalid" : ""}`} style={{ height }} data-testid={id ? `code-editor-${id}` : undefined}>
      <textarea
        id={id}
        className="code-editor-twin"
        aria-label={ariaLabel}
        aria-invalid={invalid || undefined}
        tabIndex={-1}
        spellCheck={false}
        autoComplete="off"
        readOnly={readOnly}
        value={value}
        onChange={(e) => onChange?.(e.target.value)}
        onBlur={onBlur}
      />
      <MonacoEditor {...props} />
    </div>
  );
}
