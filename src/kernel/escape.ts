import { Document } from "yaml";

/**
 * Context-specific escaping for user text that lands in generated files
 * (every user string is escaped for the context it lands in: a docstring, a string
 * literal, YAML, JSON, Markdown).
 * Each function is total: any JavaScript string in, valid output out.
 */

/** Control characters other than tab/newline, as a Python `\xNN` / `\uNNNN` escape. */
function pyControl(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * A Python string literal (double-quoted) holding exactly `s`.
 * Backslashes, quotes, newlines and control characters are escaped; other
 * Unicode is kept as is (generated files are UTF-8).
 */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(ch)) out += pyControl(ch);
    else if (ch.length === 1 && /[\ud800-\udfff]/.test(ch)) out += `\\u${ch.charCodeAt(0).toString(16)}`; // lone surrogate
    else out += ch;
  }
  return out + '"';
}

/**
 * Text safe inside a Python triple-double-quoted docstring: backslashes are
 * doubled, every `"` is escaped (so no `"""` can form and a trailing quote
 * cannot close the docstring), control characters other than newline/tab
 * become escapes, and `\r` is dropped.
 */
export function pyDocText(s: string): string {
  let out = "";
  for (const ch of s.replace(/\r\n?/g, "\n")) {
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n" || ch === "\t") out += ch;
    else if (/[\u0000-\u001f\u007f]/.test(ch)) out += pyControl(ch);
    else if (ch.length === 1 && /[\ud800-\udfff]/.test(ch)) out += "\ufffd"; // lone surrogate
    else out += ch;
  }
  return out;
}

/** Collapses all whitespace runs (newlines included) to single spaces and trims: for one-line contexts. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Text safe in a `#` comment line (Python, shell, .env, YAML): one line, no control characters. */
export function commentText(s: string): string {
  return oneLine(s).replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, " ");
}

/**
 * Text safe as inline Markdown (a paragraph or a table cell): one line, and
 * Markdown/HTML metacharacters backslash-escaped (`|` too, for table cells).
 */
export function markdownInline(s: string): string {
  return commentText(s).replace(/([\\`*_{}[\]()#+!|<>~&])/g, "\\$1");
}

/** A JSON value (used in JSON files and also valid as a YAML flow scalar). */
export function jsonValue(v: unknown): string {
  return JSON.stringify(v);
}

/** A YAML scalar holding exactly `s`, quoted by the YAML library when needed. */
export function yamlScalar(s: string): string {
  return new Document(s).toString({ lineWidth: 0 }).replace(/\n$/, "");
}
