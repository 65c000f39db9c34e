import { isDeepStrictEqual } from "node:util";
import { isMap, isSeq, parseDocument, type YAMLSeq } from "yaml";
import { MANIFEST_FILE, TARGETS, type LoadedManifest, type Target } from "./manifest.js";
import { UserError } from "../kernel/errors.js";

/**
 * Adds deployment targets to the manifest's `targets:` list, keeping every other byte of the
 * file (as add-server's server splice does): new items are inserted as lines right after the
 * last item of a block sequence `targets:`, at its indentation. The result is parsed again and
 * must equal the old data with the targets appended; otherwise (no `targets:` key, a flow list
 * `targets: [...]`, an empty list) it falls back to the yaml Document API (comments kept,
 * layout normalised).
 *
 * @param loaded - the manifest as read.
 * @param add - targets to append (those already listed are ignored).
 * @returns the new YAML text and whether the byte-preserving splice was used.
 * @throws UserError if the manifest's top level is not a mapping or `targets` is not a list.
 */
export function addTargetsToManifestText(loaded: LoadedManifest, add: readonly Target[]): { text: string; spliced: boolean } {
  const { text } = loaded;
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new UserError(`${MANIFEST_FILE}: top level must be a mapping`);
  const before = doc.toJS() as Record<string, unknown>;
  const current = Array.isArray(before.targets) ? (before.targets as string[]) : null;
  const fresh = add.filter((t) => !current?.includes(t));
  if (fresh.length === 0) return { text, spliced: true };
  const wantData = { ...before, targets: [...(current ?? []), ...fresh] };

  const node = doc.get("targets", true);
  if (node !== undefined && !isSeq(node)) throw new UserError(`${MANIFEST_FILE}: "targets" must be a list`);
  if (current !== null && isSeq(node) && !(node as YAMLSeq).flow && node.items.length > 0) {
    const seqStart = node.range?.[0];
    const last = node.items[node.items.length - 1] as { range?: [number, number, number] } | undefined;
    const lastEnd = last?.range?.[1];
    if (seqStart !== undefined && lastEnd !== undefined && text[seqStart] === "-") {
      const lineStart = text.lastIndexOf("\n", seqStart - 1) + 1;
      const indent = text.slice(lineStart, seqStart);
      if (/^ *$/.test(indent)) {
        const eol = text.includes("\r\n") ? "\r\n" : "\n";
        let at = lastEnd;
        let lead = "";
        if (at > 0 && text[at - 1] !== "\n") {
          const nl = text.indexOf("\n", at);
          if (nl === -1) {
            at = text.length;
            lead = eol;
          } else at = nl + 1;
        }
        const items = fresh.map((t) => `${indent}- ${t}`).join(eol);
        const out = text.slice(0, at) + lead + items + eol + text.slice(at);
        const check = parseDocument(out);
        if (check.errors.length === 0 && isDeepStrictEqual(check.toJS(), wantData)) return { text: out, spliced: true };
      }
    }
  }
  // Fallback: the Document API (comments kept; formatting of the rest normalised).
  const edit = doc.clone();
  const list = current === null ? [...loaded.manifest.targets, ...fresh] : [...current, ...fresh];
  edit.set("targets", edit.createNode(list));
  return { text: edit.toString({ lineWidth: 0 }), spliced: false };
}

/** Sorts targets into the order of {@link TARGETS} (the order `create` writes them in). */
export function sortTargets(targets: readonly Target[]): Target[] {
  return TARGETS.filter((t) => targets.includes(t));
}
