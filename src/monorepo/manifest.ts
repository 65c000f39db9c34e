import * as fs from "node:fs/promises";
import path from "node:path";
import { Document, isMap, isSeq, LineCounter, parseDocument, YAMLMap, YAMLSeq } from "yaml";
import * as z from "../kernel/zod.js";
import { codeFrame } from "../kernel/code-frame.js";
import { PYTHON_VERSIONS, TARGETS } from "../kernel/defaults.js";
import { CannotRunError } from "../kernel/errors.js";
import { didYouMean } from "../kernel/suggest.js";
import { validateServerName } from "./names.js";

/** The manifest's file name at the monorepo root. */
export const MANIFEST_FILE = "mcp-monorepo.yaml";
/** Manifest format this version reads and writes. */
export const MANIFEST_FORMAT_VERSION = 1;

// Targets and Python versions live in ./defaults.ts (imported by the option declarations at start-up).
export { FASTMCP_CLOUD_PYTHON, PYTHON_VERSIONS, TARGETS, type Target } from "../kernel/defaults.js";

/** The one message for a target name no command knows (an unknown target is a bad option value: exit 2 everywhere). */
export const unknownTargetMessage = (t: string) => `unknown target "${t}"; use one of ${TARGETS.join(", ")}`;

/** A `--target` value (a string check, for `add-server` and `add-target` options): one the manifest can name. */
export const knownTarget = z.superRefine((t: string, ctx) => {
  if (!(TARGETS as readonly string[]).includes(t)) ctx.addIssue({ code: "custom", message: unknownTargetMessage(t), params: { unknownTarget: true } });
});

const serverSchema = z.object({
  name: z.string().check(z.refine((n) => validateServerName(n) === true, { message: "invalid server name" })),
  description: z.string(),
  folder: z.string(),
  entrypoint: z.string(),
  requirements: z.string(),
  transport: z._default(z.enum(["http", "streamable-http", "sse", "stdio"]), "http"),
  /** Local port of `dev` and the compose file's host port (default: 8000 + the server's index). */
  port: z.optional(z.int({ message: "must be a whole number" }).check(z.gte(1024, "must be 1024 or higher (no root needed)"), z.lte(65535, "must be 65535 or lower"))),
});

/** Schema of `mcp-monorepo.yaml` (zod). Unknown keys are kept by the Document API when writing. */
export const manifestSchema = z.object({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  generator: z.optional(z.string()),
  project: z.string().check(z.minLength(1)),
  python: z.enum(PYTHON_VERSIONS, { message: `must be one of ${PYTHON_VERSIONS.map((v) => `"${v}"`).join(", ")}` }),
  repository: z.string().check(z.minLength(1)),
  branch: z.string().check(z.minLength(1)),
  targets: z._default(z.array(z.enum(TARGETS)), ["fastmcp-cloud"]),
  shared: z._default(z.string(), "shared"),
  servers: z.array(serverSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestServer = Manifest["servers"][number];

/** A manifest read from disk, with its YAML document (comments and formatting kept) for edits. */
export interface LoadedManifest {
  /** Absolute monorepo root (the folder holding the manifest). */
  root: string;
  /** Absolute path of the manifest file. */
  file: string;
  /** Raw text as read. */
  text: string;
  manifest: Manifest;
  doc: Document;
}

/**
 * Walks up from `start` to the first folder holding {@link MANIFEST_FILE}.
 *
 * @returns the absolute root, or null when none is found up to the filesystem root.
 */
export async function findRoot(start: string): Promise<string | null> {
  let dir = path.resolve(start);
  for (;;) {
    if (await fs.stat(path.join(dir, MANIFEST_FILE)).then((s) => s.isFile(), () => false)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Finds and loads the manifest above `start`.
 *
 * @throws UserError (exit 2, "could not run") "not inside an mcp-monorepo" naming the file looked for and where from,
 *   or for a `start` holding a NUL byte (no folder can be named so; walking up from it would find its parent's manifest).
 */
export async function loadManifestFrom(start: string): Promise<LoadedManifest> {
  if (start.includes("\0")) throw new CannotRunError(`${JSON.stringify(start)} holds a NUL byte; name a folder (--cwd DIR)`);
  const root = await findRoot(start);
  if (!root) {
    throw new CannotRunError(`not inside an mcp-monorepo: no ${MANIFEST_FILE} in ${path.resolve(start)} or any parent folder (use --cwd DIR)`);
  }
  return loadManifest(root);
}

/**
 * Parses and validates `<root>/mcp-monorepo.yaml`.
 *
 * @throws UserError (exit 2, "could not run") naming the file, line and problem for an unreadable file,
 *   invalid YAML or a schema violation, with a code frame of the line at fault as its detail.
 */
export async function loadManifest(root: string): Promise<LoadedManifest> {
  const file = path.join(root, MANIFEST_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    throw new CannotRunError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseManifest(text, root);
}

/**
 * Parses manifest text (see {@link loadManifest}).
 *
 * @param text - YAML text.
 * @param root - absolute root it belongs to (used in messages and the result).
 */
export function parseManifest(text: string, root: string): LoadedManifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new CannotRunError(`${MANIFEST_FILE}${pos ? `:${pos.line}` : ""}: invalid YAML: ${e.message.split("\n")[0]!.replace(/\s+at line \d+, column \d+:?$/, "")}`, pos ? codeFrame(text, pos.line, pos.col) : []);
  }
  let data: unknown;
  try {
    // toJS() resolves aliases; the yaml library refuses an alias bomb ("billion laughs") here.
    data = doc.toJS();
  } catch (err) {
    throw new CannotRunError(`${MANIFEST_FILE}: invalid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const unknown = unknownKey(doc);
  if (unknown) {
    const pos = unknown.range ? lineCounter.linePos(unknown.range[0]) : undefined;
    const where = unknown.parent.length ? unknown.parent.join(".") : "(top level)";
    const hint = unknown.suggestion ? `; did you mean "${unknown.suggestion}"?` : `; known keys: ${unknown.known.join(", ")}`;
    throw new CannotRunError(`${MANIFEST_FILE}${pos ? `:${pos.line}` : ""}: ${where}: unknown key "${unknown.key}"${hint}`, pos ? codeFrame(text, pos.line, pos.col) : []);
  }
  const result = manifestSchema.safeParse(data);
  // The line of the value at `keyPath` (or of its nearest ancestor that has one), and its source text.
  const locate = (keyPath: Array<string | number>) => {
    for (let n = keyPath.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(keyPath.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return { pos: lineCounter.linePos(range[0]), source: n === keyPath.length ? text.slice(range[0], range[1]) : undefined };
    }
    return { pos: undefined, source: undefined };
  };
  const refuse = (keyPath: Array<string | number>, message: string, pos: { line: number; col: number } | undefined) => {
    const where = keyPath.length ? keyPath.join(".") : "(top level)";
    return new CannotRunError(`${MANIFEST_FILE}${pos ? `:${pos.line}` : ""}: ${where}: ${message}`, pos ? codeFrame(text, pos.line, pos.col) : []);
  };
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const keyPath = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const { pos, source } = locate(keyPath);
    const value = keyPath.length ? doc.getIn(keyPath) : undefined;
    // Quoting helps only when the quoted text is valid there (`python: 3.12`), never for `formatVersion: 2`.
    const quoted = typeof value === "number" && source !== undefined && keyPath.length > 0 ? withValue(data, keyPath, source.trim()) : undefined;
    const fixedByQuoting = quoted !== undefined && !(manifestSchema.safeParse(quoted).error?.issues ?? []).some((i) => i.path.join(".") === keyPath.join("."));
    const hint = fixedByQuoting ? quotingHint(String(keyPath[keyPath.length - 1]), source!.trim()) : keyPath.join(".") === "formatVersion" ? `; this version of create-mcp-monorepo reads format ${MANIFEST_FORMAT_VERSION} (a newer version may read this one: npx create-mcp-monorepo@latest)` : "";
    throw refuse(keyPath, `${issue.message}${hint}`, pos);
  }
  const portProblem = serverPortProblem(result.data);
  if (portProblem) throw refuse(portProblem.keyPath, portProblem.message, locate(portProblem.keyPath).pos);
  const folderProblem = serverFolderProblem(result.data);
  if (folderProblem) throw refuse(folderProblem.keyPath, folderProblem.message, locate(folderProblem.keyPath).pos);
  return { root, file: path.join(root, MANIFEST_FILE), text, manifest: result.data, doc };
}

/** First port of the servers: the first server listens on it, the next on the port after it, and so on. */
export const FIRST_SERVER_PORT = 8000;

/**
 * The local port of each server, by name: its `port:` when the manifest sets one, else
 * {@link FIRST_SERVER_PORT} + its index in `servers:` (stable while the order is).
 */
export function serverPorts(manifest: Pick<Manifest, "servers">): Map<string, number> {
  return new Map(manifest.servers.map((s, i) => [s.name, s.port ?? FIRST_SERVER_PORT + i]));
}

/** The first server whose port (explicit or derived) another server already has. */
function serverPortProblem(manifest: Manifest): { keyPath: Array<string | number>; message: string } | null {
  const seen = new Map<number, string>();
  for (const [i, s] of manifest.servers.entries()) {
    const port = s.port ?? FIRST_SERVER_PORT + i;
    const other = seen.get(port);
    if (other !== undefined) {
      return { keyPath: ["servers", i, ...(s.port !== undefined ? ["port"] : [])], message: `port ${port} is also the port of server "${other}"; give one of them another port: (each server listens on its own)` };
    }
    seen.set(port, s.name);
  }
  return null;
}

/** A server folder as compared: POSIX separators, no `.` segments, no trailing slash. */
export function normalizeFolder(folder: string): string {
  const posix = path.posix.normalize(folder.replace(/\\/g, "/"));
  return posix === "/" ? posix : posix.replace(/\/+$/, "");
}

/**
 * The first server `folder:` a monorepo cannot have, each of which would make a command write
 * where it must not: an absolute path or one leading out of the root (`../../x`; `bundle` wrote its
 * `.mcpb` there), the root itself, the shared code folder (`sync` would vendor `shared/` into
 * itself), or a folder another server already has (after normalising `./a/` to `a`).
 */
function serverFolderProblem(manifest: Manifest): { keyPath: Array<string | number>; message: string } | null {
  const shared = normalizeFolder(manifest.shared);
  const seen = new Map<string, string>();
  const names = new Map<string, number>();
  for (const [i, s] of manifest.servers.entries()) {
    // Every command selects a server by name (`--server`, the lock, bundle): two with one name make them pick either.
    const first = names.get(s.name);
    if (first !== undefined) return { keyPath: ["servers", i, "name"], message: `"${s.name}" is also the name of servers[${first}]; each server has a name of its own` };
    names.set(s.name, i);
  }
  for (const [i, s] of manifest.servers.entries()) {
    const keyPath = ["servers", i, "folder"];
    const folder = normalizeFolder(s.folder);
    const shown = JSON.stringify(s.folder);
    if (path.posix.isAbsolute(folder) || path.win32.isAbsolute(s.folder)) {
      return { keyPath, message: `${shown} is an absolute path; a server folder is a path inside the monorepo (e.g. server-${s.name})` };
    }
    if (folder === ".." || folder.startsWith("../")) {
      return { keyPath, message: `${shown} is outside the monorepo; a server folder is a path inside it (e.g. server-${s.name})` };
    }
    if (folder === "." || folder === "") {
      return { keyPath, message: `${shown} is the monorepo root; each server has a folder of its own (e.g. server-${s.name})` };
    }
    if (folder === shared || folder === "shared") {
      return { keyPath, message: `${shown} is the shared code folder; each server has a folder of its own (e.g. server-${s.name})` };
    }
    const other = seen.get(folder);
    if (other !== undefined) {
      return { keyPath, message: `${shown} is also the folder of server "${other}"; each server has a folder of its own (e.g. server-${s.name})` };
    }
    seen.set(folder, s.name);
  }
  return null;
}

/** Keys the manifest schema defines, at the top level and in each server. */
const TOP_KEYS = Object.keys(manifestSchema.shape);
const SERVER_KEYS = Object.keys(serverSchema.shape);

/**
 * The first key the schema does not define (a misspelt `target:` would otherwise be dropped, and
 * every rule that reads `targets:` silently skipped), with its source range and the closest known key.
 */
function unknownKey(doc: Document): { key: string; parent: Array<string | number>; range?: [number, number, number]; suggestion: string | null; known: string[] } | null {
  const scan = (node: unknown, known: string[], parent: Array<string | number>) => {
    if (!isMap(node)) return null;
    for (const pair of node.items) {
      const k = pair.key as { value?: unknown; range?: [number, number, number] } | null;
      const key = k && typeof k === "object" && "value" in k ? String(k.value) : String(pair.key);
      if (!known.includes(key)) return { key, parent, range: k?.range, suggestion: didYouMean(key, known), known };
    }
    return null;
  };
  const top = scan(doc.contents, TOP_KEYS, []);
  if (top) return top;
  const servers = doc.get("servers", true);
  if (isSeq(servers)) {
    for (const [i, item] of servers.items.entries()) {
      const hit = scan(item, SERVER_KEYS, ["servers", i]);
      if (hit) return hit;
    }
  }
  return null;
}

/** A copy of `data` with the value at `keyPath` replaced. */
function withValue(data: unknown, keyPath: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let node = copy;
  for (const k of keyPath.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[keyPath[keyPath.length - 1]!] = value;
  return copy;
}

/**
 * The hint for a number where a string is expected: YAML reads an unquoted `3.12` as a number,
 * and `3.10` as the number 3.1, so versions must be quoted.
 */
function quotingHint(key: string, source: string): string {
  const asNumber = Number(source);
  const what = String(asNumber) !== source ? `the number ${asNumber}` : "a number";
  return `; unquoted, YAML reads ${source} as ${what}: quote it, ${key}: "${source}"`;
}

/** Header comment written at the top of a new manifest. */
const MANIFEST_HEADER =
  " mcp-monorepo manifest: read by `npx create-mcp-monorepo add-server`, `sync` and `check`.\n" +
  " Edit freely (comments are kept); servers are listed in the order they were added.";

/**
 * Renders a new manifest as YAML text (for `create`). Strings are quoted by the
 * YAML library as needed, so any description round-trips.
 */
export function renderManifest(manifest: Manifest): string {
  const doc = new Document(manifest);
  doc.commentBefore = MANIFEST_HEADER;
  return doc.toString({ lineWidth: 0 });
}

/**
 * Appends a server to a loaded manifest's document, keeping every comment and
 * the formatting of the rest of the file (yaml Document API).
 *
 * @returns the new YAML text.
 * @throws UserError if `servers` is not a sequence.
 */
export function appendServerToManifest(loaded: LoadedManifest, server: ManifestServer): string {
  const doc = loaded.doc.clone();
  const servers = doc.get("servers", true);
  if (!isSeq(servers)) throw new CannotRunError(`${MANIFEST_FILE}: "servers" must be a list`);
  const node = doc.createNode(server) as YAMLMap;
  (servers as YAMLSeq).add(node);
  if (!isMap(doc.contents)) throw new CannotRunError(`${MANIFEST_FILE}: top level must be a mapping`);
  return doc.toString({ lineWidth: 0 });
}

/** Default server entry for a name: folder `server-<name>`, entrypoint `server-<name>/src/server.py:mcp`, requirements beside `src/`. */
export function serverEntry(name: string, description: string): ManifestServer {
  const folder = `server-${name}`;
  return {
    name,
    description,
    folder,
    entrypoint: `${folder}/src/server.py:mcp`,
    requirements: `${folder}/requirements.txt`,
    transport: "http",
  };
}
