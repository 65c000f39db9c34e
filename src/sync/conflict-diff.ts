import { createTwoFilesPatch } from "diff";

/** Most diff lines shown per conflicting file; the rest is summarised in one line. */
export const MAX_DIFF_LINES = 200;

/** True when the bytes look binary (a NUL byte in the first 8000 bytes, as git decides). */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/**
 * A unified diff from the vendored copy to the canonical file, for a conflict report
 * (the `diff` package's `createTwoFilesPatch`, 3 lines of context).
 *
 * The `-` lines are the hand edits an overwrite would discard. Binary files
 * get a one-line summary; long diffs are cut after {@link MAX_DIFF_LINES} lines.
 *
 * @param vendoredName - root-relative vendored path (the `---` side).
 * @param vendored - the vendored file's bytes.
 * @param canonicalName - root-relative canonical path (the `+++` side), or null when canonical no longer has the file.
 * @param canonical - canonical bytes, or null when removed.
 * @returns diff text ending with a newline.
 */
export function conflictDiff(vendoredName: string, vendored: Buffer, canonicalName: string | null, canonical: Buffer | null): string {
  const newName = canonicalName ?? "/dev/null";
  if (isBinary(vendored) || (canonical && isBinary(canonical))) {
    return `Binary files ${vendoredName} (${vendored.length} bytes) and ${newName} (${canonical?.length ?? 0} bytes) differ\n`;
  }
  const patch = createTwoFilesPatch(vendoredName, newName, vendored.toString("utf8"), canonical?.toString("utf8") ?? "", "vendored copy", canonical ? "canonical" : "removed from shared/", { context: 3 });
  const lines = patch.split("\n");
  // Drop the "====" header line createTwoFilesPatch starts with.
  if (lines[0]?.startsWith("=")) lines.shift();
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length > MAX_DIFF_LINES) {
    const more = lines.length - MAX_DIFF_LINES;
    return [...lines.slice(0, MAX_DIFF_LINES), `... (${more} more diff lines)`].join("\n") + "\n";
  }
  if (lines.length <= 2) return `${vendoredName}: file mode differs from ${newName} (contents are equal)\n`;
  return lines.join("\n") + "\n";
}
