"use client";

import * as monaco from "monaco-editor";
import { Editor, loader } from "@monaco-editor/react";
import { useEffect, useState } from "react";
import type { CodeEditorProps } from "./types";

// Workers are bundled from the package (its `exports` map "monaco-editor/<path>" to
// esm/vs/<path>.js); `new Worker(new URL(..., import.meta.url))` is the pattern Turbopack
// and webpack both turn into a worker chunk.
self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    if (label === "json") {
      return new Worker(new URL("monaco-editor/language/json/json.worker.js", import.meta.url), { type: "module" });
    }
    return new Worker(new URL("monaco-editor/editor/editor.worker.js", import.meta.url), { type: "module" });
  },
};

// Use the bundled monaco instead of @monaco-editor/react's default CDN (jsdelivr) loader.
loader.config({ monaco });

// Templates (Jinja inside JSON) are not JSON until rendered: keep the JSON highlighting,
// folding and formatting, but leave the errors to the template checker's markers.
monaco.json.jsonDefaults.setDiagnosticsOptions({ validate: false, allowComments: true });

const MARKER_OWNER = "code-editor";

export default function MonacoEditorImpl({
  value,
  onChange,
  language = "json",
  markers,
  readOnly,
  editorAriaLabel = "Code editor",
  onBlur,
}: CodeEditorProps) {
  const [editor, setEditor] = useState<monaco.editor.IStandaloneCodeEditor | null>(null);

  useEffect(() => {
    const model = editor?.getModel();
    if (!model) return;
    const lines = model.getLineCount();
    monaco.editor.setModelMarkers(
      model,
      MARKER_OWNER,
      (markers ?? []).map((m) => {
        const line = Math.min(Math.max(1, m.line), lines);
        const end = model.getLineMaxColumn(line);
        const start = m.column ? Math.min(Math.max(1, m.column), end) : model.getLineFirstNonWhitespaceColumn(line) || 1;
        return {
          severity: monaco.MarkerSeverity.Error,
          message: m.message,
          startLineNumber: line,
          startColumn: start,
          endLineNumber: line,
          // From the column to the end of the line (at least one character, when there is one).
          endColumn: Math.max(end, Math.min(start + 1, end)),
        };
      }),
    );
  }, [editor, markers, value]);

  useEffect(() => {
    if (!editor || !onBlur) return;
    const sub = editor.onDidBlurEditorText(onBlur);
    return () => sub.dispose();
  }, [editor, onBlur]);

  return (
    <Editor
      value={value}
      language={language}
      onChange={(v) => onChange?.(v ?? "")}
      onMount={(ed) => setEditor(ed)}
      loading={<div className="code-editor-loading">Loading editor…</div>}
      options={{
        ariaLabel: editorAriaLabel,
        readOnly,
        // A plain <textarea> as Monaco's input rather than Chromium's experimental EditContext.
        editContext: false,
        minimap: { enabled: false },
        fontSize: 12,
        lineNumbersMinChars: 3,
        scrollBeyondLastLine: false,
        automaticLayout: true,
        wordWrap: "on",
        tabSize: 2,
        renderLineHighlight: "none",
        scrollbar: { alwaysConsumeMouseWheel: false },
        // Templates are typed line by line: nothing is closed, surrounded or suggested for the
        // person typing (an auto-closed `{` ended bodies with an extra `}`; JSON mode offered
        // an empty suggestion box).
        autoClosingBrackets: "never",
        autoClosingQuotes: "never",
        autoClosingComments: "never",
        autoClosingOvertype: "never",
        autoSurround: "never",
        quickSuggestions: false,
        suggestOnTriggerCharacters: false,
        wordBasedSuggestions: "off",
        parameterHints: { enabled: false },
        acceptSuggestionOnEnter: "off",
        snippetSuggestions: "none",
        inlineSuggest: { enabled: false },
      }}
    />
  );
}
