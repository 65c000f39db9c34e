/**
 * A code frame (as Babel and the yaml library print them): the line at fault with one line
 * of context each side, line numbers in a gutter, and a caret under the column.
 *
 * @param text - the whole file.
 * @param line - 1-based line.
 * @param col - 1-based column (the caret goes under it); clamped to the line.
 * @returns the frame's lines (no colour), or [] when `line` is outside the text.
 */
export function codeFrame(text: string, line: number, col = 1): string[] {
  const lines = text.split(/\r?\n/);
  if (line < 1 || line > lines.length) return [];
  const first = Math.max(1, line - 1);
  const last = Math.min(lines.length, line + 1);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const src = lines[n - 1]!.replace(/\t/g, " ");
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${src}`.trimEnd());
    if (n === line) {
      const at = Math.min(Math.max(col, 1), src.length + 1);
      out.push(`  ${" ".repeat(width)} | ${" ".repeat(at - 1)}^`);
    }
  }
  return out;
}
