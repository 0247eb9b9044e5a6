/**
 * One error type for bad user input. Every problem found in one pass is collected and reported
 * together, so a user fixes their stack config once instead of once per `pulumi up`.
 */

/** One bad input: where it is, what it was, and what would have been accepted. */
export interface InputIssue {
  /** Dotted path of the argument, e.g. `administrators[2].objectId`. */
  field: string;
  /** The value that was given (secrets are never echoed: callers pass a placeholder). */
  value: unknown;
  /** What is allowed, in words a user can act on. */
  allowed: string;
}

/** Thrown before anything is registered when arguments are invalid; lists every problem found. */
export class InputError extends Error {
  readonly issues: readonly InputIssue[];

  constructor(component: string, issues: readonly InputIssue[]) {
    super(
      `${component}: ${issues.length} invalid input${issues.length === 1 ? "" : "s"}; nothing was created.\n` +
        issues.map((i) => `  - ${i.field} = ${describeValue(i.value)}: ${i.allowed}`).join("\n"),
    );
    this.name = "InputError";
    this.issues = issues;
  }
}

/** Throws one InputError listing every issue, or returns quietly when there are none. */
export function throwIfIssues(component: string, issues: readonly InputIssue[]): void {
  if (issues.length > 0) throw new InputError(component, issues);
}

function describeValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
