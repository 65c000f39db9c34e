/**
 * Text updates of the root files that list servers (pure functions: text in, text out).
 * Every byte of the user's text is kept; only the generated part changes.
 */

/**
 * Appends a server's section to the root `.env.example`, separated from the
 * previous section by one blank line, as `create` lays the file out. The rest of
 * the file is untouched; a missing final newline is added first; CRLF files get
 * CRLF lines.
 *
 * @param current - the file's text, or null when it does not exist (then the section alone).
 * @param section - the rendered `rootEnvServer` partial.
 * @returns the new text.
 */
export function appendEnvSection(current: string | null, section: string): string {
  const eol = current?.includes("\r\n") ? "\r\n" : "\n";
  const body = section.replace(/\s+$/, "").split(/\r?\n/).join(eol) + eol;
  if (current === null || current.length === 0) return body;
  let text = current;
  if (!text.endsWith("\n")) text += eol;
  if (!/\n\s*\n$/.test(text)) text += eol;
  return text + body;
}

/**
 * True when an env file already assigns `variable` (a line `NAME=...`, optionally `export NAME=...`).
 * add-server then leaves the file as it is rather than document the variable twice.
 */
export function definesVariable(text: string, variable: string): boolean {
  const escaped = variable.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\s*(export\\s+)?${escaped}\\s*=`, "m").test(text);
}
