/**
 * The three languages a value passes through on its way into an Airflow task: the shell that
 * BashOperator starts, the Jinja template Airflow renders `bash_command` with first, and the
 * Python string literal in the DAG file that holds it.
 */

/** Characters a shell word may hold bare (Python's shlex.quote leaves the same ones alone). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One POSIX shell word meaning exactly `value`: bare when it is only safe characters, else single-quoted. */
export function shellQuote(value: string): string {
  if (SHELL_SAFE.test(value)) return value;
  // Inside single quotes nothing is special but the quote itself: close, add it double-quoted, reopen.
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Text that Jinja renders as itself. Every tag, expression and comment opens with `{`, so
 * writing each `{` as the expression `{{ '{' }}` leaves nothing for Jinja to interpret.
 */
export function jinjaLiteral(text: string): string {
  return text.replaceAll('{', `{{ '{' }}`);
}

/**
 * A Python string literal holding `text`. JSON's string syntax is a subset of Python's
 * (the escapes \" \\ \b \f \n \r \t \uXXXX mean the same), and JSON.stringify escapes every
 * control character, so a value with a newline cannot end a line of the DAG file.
 */
export function pythonString(text: string): string {
  return JSON.stringify(text);
}
