import { isDeepStrictEqual } from "node:util";
import { Document, isMap, isSeq, parseDocument, type YAMLSeq } from "yaml";
import { appendServerToManifest, type LoadedManifest, type ManifestServer } from "../monorepo/manifest.js";

/**
 * Appends a server entry to the manifest text, keeping every byte of the rest of
 * the file: the new item is rendered by the `yaml` library (as `create` renders
 * entries) and spliced in right after the last item of the block sequence
 * `servers`, at the same indentation as the existing items (positions come from
 * the yaml Document's node ranges). The result is parsed again and must equal the
 * old data plus the new entry; when it does not, or `servers` is empty or in flow
 * style (`servers: [...]`), it falls back to `appendServerToManifest` (yaml Document
 * API: comments kept, layout normalised).
 *
 * @param loaded - the manifest as read (its `text` and `doc`).
 * @param entry - the entry to append.
 * @returns the new YAML text and whether the byte-preserving splice was used.
 * @throws UserError (from `appendServerToManifest`) if `servers` is not a list.
 */
export function appendServerPreservingText(loaded: LoadedManifest, entry: ManifestServer): { text: string; spliced: boolean } {
  const spliced = spliceAfterLastServer(loaded, entry);
  if (spliced !== null) return { text: spliced, spliced: true };
  return { text: appendServerToManifest(loaded, entry), spliced: false };
}

function spliceAfterLastServer(loaded: LoadedManifest, entry: ManifestServer): string | null {
  const { text } = loaded;
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  const servers = doc.get("servers", true);
  if (!isSeq(servers) || (servers as YAMLSeq).flow || servers.items.length === 0) return null;
  const seqStart = servers.range?.[0];
  const last = servers.items[servers.items.length - 1] as { range?: [number, number, number] } | undefined;
  const lastEnd = last?.range?.[1];
  if (seqStart === undefined || lastEnd === undefined || text[seqStart] !== "-") return null;
  const lineStart = text.lastIndexOf("\n", seqStart - 1) + 1;
  const indent = text.slice(lineStart, seqStart);
  if (!/^ *$/.test(indent)) return null;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  // Insert at the start of the line after the last item's content.
  let at = lastEnd;
  let lead = "";
  if (at > 0 && text[at - 1] !== "\n") {
    const nl = text.indexOf("\n", at);
    if (nl === -1) {
      at = text.length;
      lead = eol;
    } else at = nl + 1;
  }
  const item = new Document([entry])
    .toString({ lineWidth: 0 })
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => indent + line)
    .join(eol);
  const out = text.slice(0, at) + lead + item + eol + text.slice(at);
  const check = parseDocument(out);
  if (check.errors.length > 0) return null;
  const before = doc.toJS() as { servers: unknown[] };
  const want = { ...before, servers: [...before.servers, entry] };
  return isDeepStrictEqual(check.toJS(), want) ? out : null;
}
