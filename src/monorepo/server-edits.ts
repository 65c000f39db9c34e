import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLSeq } from "yaml";
import { UserError } from "../kernel/errors.js";
import { assignedVariable, ENV_BLOCK_BEGIN, ENV_BLOCK_END } from "./env-block.js";
import { MANIFEST_FILE, type LoadedManifest, type Target } from "./manifest.js";

/**
 * Text edits of the root files that list servers, for the commands that take a server or a
 * target away or rename a server (`remove-server`, `rename-server`, `remove-target`). Pure
 * functions, text in and text out; every byte outside the edited entry stays as the user wrote it.
 * Manifest edits splice the text at the yaml Document's node ranges and parse the result again: it
 * must equal the wanted data, else the edit falls back to the yaml Document API (comments kept,
 * layout normalised), as add-server's append does.
 */

type Data = Record<string, unknown> & { servers?: Array<Record<string, unknown>>; targets?: string[] };

function readDoc(loaded: LoadedManifest): { doc: Document; data: Data } {
  const doc = parseDocument(loaded.text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new UserError(`${MANIFEST_FILE}: top level must be a mapping`);
  return { doc, data: doc.toJS() as Data };
}

function verified(text: string, want: unknown): boolean {
  const check = parseDocument(text);
  return check.errors.length === 0 && isDeepStrictEqual(check.toJS(), want);
}

/** Cuts the lines of a block-sequence item (from its line start to the next item's line start). */
function cutItem(text: string, seq: YAMLSeq, index: number): string | null {
  if (seq.flow) return null;
  const item = seq.items[index] as Node | undefined;
  const start = item?.range?.[0];
  if (start === undefined) return null;
  // The item's `- ` precedes its node on the same line.
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  if (!/^\s*-\s*$/.test(text.slice(lineStart, start)) && !/^\s*-\s+/.test(text.slice(lineStart, start))) return null;
  const next = seq.items[index + 1] as Node | undefined;
  let end: number;
  if (next?.range) {
    end = text.lastIndexOf("\n", next.range[0] - 1) + 1;
  } else {
    const last = item!.range![2];
    end = last > 0 && text[last - 1] === "\n" ? last : text.indexOf("\n", last) === -1 ? text.length : text.indexOf("\n", last) + 1;
  }
  return text.slice(0, lineStart) + text.slice(end);
}

/**
 * The manifest text without the server `name` (its `servers:` item cut out).
 *
 * @throws UserError if the manifest has no such server or `servers` is not a list.
 */
export function removeServerFromManifestText(loaded: LoadedManifest, name: string): string {
  const { doc, data } = readDoc(loaded);
  const seq = doc.get("servers", true);
  if (!isSeq(seq)) throw new UserError(`${MANIFEST_FILE}: "servers" must be a list`);
  const index = (data.servers ?? []).findIndex((s) => s?.name === name);
  if (index < 0) throw new UserError(`${MANIFEST_FILE} lists no server "${name}"`);
  const want = { ...data, servers: data.servers!.filter((_, i) => i !== index) };
  const spliced = cutItem(loaded.text, seq, index);
  if (spliced !== null && verified(spliced, want)) return spliced;
  const edit = doc.clone();
  (edit.get("servers", true) as YAMLSeq).items.splice(index, 1);
  return edit.toString({ lineWidth: 0 });
}

/**
 * The manifest text with the server `name` given new field values (`name`, `folder`,
 * `entrypoint`, `requirements`): each scalar is replaced where it is written.
 *
 * @throws UserError if the manifest has no such server.
 */
export function updateServerInManifestText(loaded: LoadedManifest, name: string, fields: Record<string, string>): string {
  const { doc, data } = readDoc(loaded);
  const seq = doc.get("servers", true);
  if (!isSeq(seq)) throw new UserError(`${MANIFEST_FILE}: "servers" must be a list`);
  const index = (data.servers ?? []).findIndex((s) => s?.name === name);
  if (index < 0) throw new UserError(`${MANIFEST_FILE} lists no server "${name}"`);
  const want = { ...data, servers: data.servers!.map((s, i) => (i === index ? { ...s, ...fields } : s)) };
  const item = seq.items[index];
  if (isMap(item)) {
    const edits: Array<[number, number, string]> = [];
    for (const [key, value] of Object.entries(fields)) {
      const node = item.get(key, true);
      if (isScalar(node) && node.range && /^[A-Za-z0-9._/:-]+$/.test(value) && !/^[-:]/.test(value)) edits.push([node.range[0], node.range[1], value]);
    }
    let text = loaded.text;
    for (const [start, end, value] of edits.sort((a, b) => b[0] - a[0])) text = text.slice(0, start) + value + text.slice(end);
    if (verified(text, want)) return text;
  }
  const edit = doc.clone();
  for (const [key, value] of Object.entries(fields)) edit.setIn(["servers", index, key], value);
  return edit.toString({ lineWidth: 0 });
}

/**
 * The manifest text without `remove` in its `targets:` list (each listed item's line cut out).
 *
 * @throws UserError if `targets` is not a list.
 */
export function removeTargetsFromManifestText(loaded: LoadedManifest, remove: readonly Target[]): string {
  const { doc, data } = readDoc(loaded);
  const node = doc.get("targets", true);
  if (node === undefined) return loaded.text;
  if (!isSeq(node)) throw new UserError(`${MANIFEST_FILE}: "targets" must be a list`);
  const current = Array.isArray(data.targets) ? data.targets : [];
  const keep = current.filter((t) => !remove.includes(t as Target));
  if (keep.length === current.length) return loaded.text;
  const want = { ...data, targets: keep };
  if (keep.length > 0 && !node.flow) {
    let text = loaded.text;
    const seq = parseDocument(text).get("targets", true) as YAMLSeq;
    for (let i = current.length - 1; i >= 0; i--) {
      if (keep.includes(current[i]!)) continue;
      const cut = cutItem(text, seq, i);
      if (cut === null) break;
      text = cut;
    }
    if (verified(text, want)) return text;
  }
  const edit = doc.clone();
  edit.set("targets", edit.createNode(keep));
  return edit.toString({ lineWidth: 0 });
}

/** The header line of a server's section of the root `.env.example` (`# --- server-x: ... ---`). */
function sectionHeader(line: string, folder: string): boolean {
  return line.startsWith(`# --- ${folder}:`) || line.trim() === `# --- ${folder} ---`;
}

/** Where a server's section of the root `.env.example` is: [its header, the line after its closing blank line), or null. */
export function envSectionRange(text: string, folder: string): { lines: string[]; start: number; end: number } | null {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => sectionHeader(l.replace(/\r$/, ""), folder));
  if (start < 0) return null;
  // The section is its header and the lines up to the first blank one (or the next section): what
  // the user added after it, separated by a blank line, is not the server's.
  let end = start + 1;
  while (end < lines.length && lines[end]!.replace(/\r$/, "").trim() !== "" && !lines[end]!.startsWith("# --- ") && !lines[end]!.startsWith("# >>> ")) end++;
  // The blank line that closes it goes with it.
  if (end < lines.length && lines[end]!.replace(/\r$/, "").trim() === "") end++;
  return { lines, start, end };
}

/**
 * The root `.env.example` without the section of the server in `folder` (its header line and
 * every line to the next section), or null when it has no such section.
 */
export function removeEnvSection(text: string, folder: string): string | null {
  const r = envSectionRange(text, folder);
  if (r === null) return null;
  const { lines, start, end } = r;
  const before = lines.slice(0, start);
  const after = lines.slice(end);
  // The blank line that separated the section from the previous one goes with it.
  if (after.length === 0 || (after.length === 1 && after[0] === "")) {
    while (before.length > 0 && before[before.length - 1]!.replace(/\r$/, "") === "") before.pop();
    return before.length === 0 ? "" : [...before, ""].join("\n");
  }
  return [...before, ...after].join("\n");
}

/**
 * The root `.env.example` with the section of `from.folder` renamed: its header names `to.folder`,
 * and each variable of the section with the prefix `from.prefix` gets `to.prefix`. Null when the
 * file has no such section.
 */
export function renameEnvSection(text: string, from: { folder: string; prefix: string }, to: { folder: string; prefix: string }): string | null {
  const r = envSectionRange(text, from.folder);
  if (r === null) return null;
  const { lines, start, end } = r;
  const out = lines.map((line, i) => {
    if (i === start) return line.replace(`# --- ${from.folder}`, `# --- ${to.folder}`);
    if (i > start && i < end) return renameEnvPrefix(line, from.prefix, to.prefix);
    return line;
  });
  return out.join("\n");
}

/** Replaces the prefix `from` of every upper-case variable name (`FROM_GREETING`) in `line` with `to`. */
export function renameEnvPrefix(line: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return line.replace(new RegExp(`(?<![A-Za-z0-9_])${escaped}(?=[A-Z0-9_]*(?![A-Za-z0-9_]))`, "g"), to);
}

/**
 * The root `.env.example` with every variable of each server's own `.env.example` that the root
 * file does not document yet: the variable's line (with the comment lines right above it) is added
 * at the end of the server's section (`# --- <folder>: <description> ---`), or in a new section at
 * the end of the file. Variables of the shared settings block and those the root already
 * documents anywhere are left out. Returns `root` unchanged when nothing is missing.
 *
 * @param root - the root file's text.
 * @param servers - each server's folder, description and `.env.example` text (null: none).
 */
export function unionServerSections(root: string, servers: ReadonlyArray<{ folder: string; description: string; envText: string | null }>): string {
  const eol = root.includes("\r\n") ? "\r\n" : "\n";
  let text = root;
  const documented = () => new Set(text.split(/\r?\n/).map(assignedVariable).filter((v): v is string => v !== null));
  for (const s of servers) {
    if (s.envText === null) continue;
    const known = documented();
    const lines = s.envText.split(/\r?\n/);
    const add: string[] = [];
    let inBlock = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === ENV_BLOCK_BEGIN) inBlock = true;
      if (inBlock) {
        if (line === ENV_BLOCK_END) inBlock = false;
        continue;
      }
      const v = assignedVariable(line);
      if (v === null || known.has(v)) continue;
      known.add(v);
      let j = i;
      while (j > 0 && lines[j - 1]!.startsWith("#") && !lines[j - 1]!.startsWith("# ---") && lines[j - 1] !== ENV_BLOCK_END) j--;
      // The file's own header comment (its first lines) is not the variable's.
      if (j === 0) j = i;
      add.push(...lines.slice(j, i + 1));
    }
    if (add.length === 0) continue;
    const r = envSectionRange(text, s.folder);
    if (r === null) {
      const body = [`# --- ${s.folder}: ${s.description.replace(/[\r\n]+/g, " ")} ---`, ...add].join(eol) + eol;
      let t = text;
      if (t.length > 0 && !t.endsWith("\n")) t += eol;
      if (t.length > 0 && !/\n\s*\n$/.test(t)) t += eol;
      text = t + body;
      continue;
    }
    // Before the section's closing blank line (or at its end).
    let at = r.end;
    while (at > r.start + 1 && r.lines[at - 1]!.replace(/\r$/, "").trim() === "") at--;
    const cr = eol === "\r\n" ? "\r" : "";
    text = [...r.lines.slice(0, at), ...add.map((l) => l + cr), ...r.lines.slice(at)].join("\n");
  }
  return text;
}
