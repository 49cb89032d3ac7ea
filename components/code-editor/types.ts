// Props of <CodeEditor>, shared by the lazy wrapper and the Monaco implementation.

export interface CodeMarker {
  /** 1-based line; clamped to the document. */
  line: number;
  /** 1-based column where the error starts; default the line's first non-blank. */
  column?: number;
  message: string;
}

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  /** Monaco language id, e.g. "json". */
  language?: string;
  /** Errors to underline (e.g. a template syntax error at its line). */
  markers?: CodeMarker[];
  readOnly?: boolean;
  /** Id of the plain-text twin, for a <label htmlFor>. */
  id?: string;
  /** Accessible name of the plain-text twin (tests: `getByLabel(ariaLabel).fill(...)`). */
  ariaLabel: string;
  /** Accessible name of Monaco's own input; must not contain `ariaLabel`. Default "Code editor". */
  editorAriaLabel?: string;
  /** CSS height; default 240px. */
  height?: string;
  onBlur?: () => void;
  /** Marks the editor invalid (red border). */
  invalid?: boolean;
}
