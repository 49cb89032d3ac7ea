// Error classes shared by the renderer modules. Each carries a message that can be shown
// to the webhook author as-is.

/** A condition that does not parse. `column` (and `line`) are 1-based. */
export class ConditionSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = "ConditionSyntaxError";
    this.line = line;
    this.column = column;
  }
}

/** A condition that parsed but failed while evaluating (Python's TypeError, NameError...). */
export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConditionError";
  }
}

/** A template that does not compile, or failed / was stopped while rendering. */
export class TemplateError extends Error {
  /** 1-based line in the template source, when known. */
  line?: number;
  /** True when the error came from the parser/compiler (a syntax error). */
  readonly syntax: boolean;
  /** 1-based column of a syntax error, when known. */
  readonly column?: number;
  constructor(message: string, line?: number, syntax = false, column?: number) {
    super(message);
    this.name = "TemplateError";
    this.line = line;
    this.syntax = syntax;
    if (column !== undefined) this.column = column;
  }
}

/** buildRequest could not produce a request; the message completes "Failed to compute request body: ". */
export class RenderError extends Error {
  /** Which part of the request failed. */
  readonly part: "url" | "body" | "headers";
  /** 1-based template line when the failure came from a template. */
  readonly line?: number;
  constructor(message: string, part: "url" | "body" | "headers", line?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RenderError";
    this.part = part;
    this.line = line;
  }
}

/**
 * Raised by the shared helpers (flt, getdate, str methods...). Conditions turn it into a
 * ConditionError and templates into a TemplateError, keeping the message.
 */
export class HelperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HelperError";
  }
}
