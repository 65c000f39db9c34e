import { mergeDiff3 } from "node-diff3";
import { PACKAGE_NAME } from "./base.js";

/**
 * The per-file decision of `upgrade`: a three-way merge of
 * - base: what the generator version the monorepo records rendered for its manifest,
 * - theirs: what this version renders for the same manifest,
 * - ours: the file on disk,
 * line by line with node-diff3 (the diff3 algorithm of GNU diff3 and `git merge-file`).
 * Conflicting lines get git-style inline markers (`<<<<<<< ours`, `||||||| base`, `=======`,
 * `>>>>>>> create-mcp-monorepo@X`), never a `.rej` file.
 */

/** What `upgrade` does with one generator-owned file. */
export type MergeOutcome =
  /** The file already holds what this version renders (or nothing changed on either side). */
  | "unchanged"
  /** The user did not edit it: replaced with this version's rendering. */
  | "replaced"
  /** Both changed it, on different lines: merged. */
  | "merged"
  /** Both changed the same lines: written with conflict markers. */
  | "conflict"
  /** New in this version: added. */
  | "added"
  /** Only the user changed it: kept as it is. */
  | "kept"
  /** The user deleted it: it stays deleted. */
  | "kept-deleted"
  /** Gone in this version and not edited: removed. */
  | "removed"
  /** Gone in this version but edited: kept. */
  | "kept-edited"
  /** New in this version, but a file of the user's own is at its path: left alone. */
  | "kept-own";

/** The three versions of one file (null: the file does not exist there). */
export interface MergeInput {
  base: Buffer | null;
  theirs: Buffer | null;
  ours: Buffer | null;
}

/** The decision for one file. */
export interface MergeDecision {
  outcome: MergeOutcome;
  /** New bytes to write (`replaced`, `merged`, `conflict`, `added`). */
  content?: Buffer;
  /** The file is deleted (`removed`). */
  delete?: boolean;
  /** Number of conflicting regions (`conflict`). */
  conflicts?: number;
}

/** Label of the `ours` side of a conflict. */
export const OURS_LABEL = "ours";
/** Label of the base side of a conflict. */
export const BASE_LABEL = "base";

/** The label of this version's side of a conflict: `create-mcp-monorepo@X`. */
export function theirsLabel(version: string): string {
  return `${PACKAGE_NAME}@${version}`;
}

const same = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null : b !== null && a.equals(b));

/**
 * Decides what happens to one file (pure).
 *
 * @param input - base, theirs and ours bytes.
 * @param version - this generator's version (the `>>>>>>>` label).
 */
export function decideFile(input: MergeInput, version: string): MergeDecision {
  const { base, theirs, ours } = input;
  if (theirs === null) {
    if (base === null || ours === null) return { outcome: "unchanged" };
    return same(ours, base) ? { outcome: "removed", delete: true } : { outcome: "kept-edited" };
  }
  if (ours === null) return base === null ? { outcome: "added", content: theirs } : { outcome: "kept-deleted" };
  if (same(ours, theirs)) return { outcome: "unchanged" };
  if (base === null) return { outcome: "kept-own" };
  if (same(ours, base)) return { outcome: "replaced", content: theirs };
  if (same(base, theirs)) return { outcome: "kept" };
  const merged = mergeText(ours.toString("utf8"), base.toString("utf8"), theirs.toString("utf8"), version);
  return merged.conflicts > 0
    ? { outcome: "conflict", content: Buffer.from(merged.text, "utf8"), conflicts: merged.conflicts }
    : { outcome: "merged", content: Buffer.from(merged.text, "utf8") };
}

/** Result of {@link mergeText}. */
export interface TextMerge {
  text: string;
  /** Conflicting regions, each between markers in `text`. */
  conflicts: number;
}

/**
 * Three-way merges texts line by line. A CRLF `ours` is merged as LF and written back with CRLF.
 *
 * @param ours - the user's text.
 * @param base - the common ancestor.
 * @param theirs - this version's text.
 * @param version - the label of this version's side of a conflict.
 */
export function mergeText(ours: string, base: string, theirs: string, version: string): TextMerge {
  const crlf = ours.includes("\r\n");
  const lf = (s: string) => s.replace(/\r\n/g, "\n").split("\n");
  const { result } = mergeDiff3(lf(ours), lf(base), lf(theirs), {
    excludeFalseConflicts: true,
    label: { a: OURS_LABEL, o: BASE_LABEL, b: theirsLabel(version) },
  }) as { conflict: boolean; result: string[] };
  const open = `<<<<<<< ${OURS_LABEL}`;
  const conflicts = result.filter((l) => l === open).length;
  const text = result.join("\n");
  return { text: crlf ? text.replace(/\n/g, "\r\n") : text, conflicts };
}

/**
 * The 1-based lines of `text` that are conflict markers `upgrade` wrote (`<<<<<<< ours` or
 * `>>>>>>> create-mcp-monorepo@...`), so `upgrade --check` can tell a conflict is left.
 */
export function conflictMarkerLines(text: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l === `<<<<<<< ${OURS_LABEL}` || l.startsWith(`>>>>>>> ${theirsLabel("")}`)) out.push(i + 1);
  });
  return out;
}
