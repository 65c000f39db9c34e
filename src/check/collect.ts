import * as fs from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { requirementsEncoding } from "../monorepo/requirements.js";
import type { FileFacts } from "./facts.js";
import { parseLocatedJson, type LocatedJson } from "./json-lines.js";
import type { CheckedServer } from "./types.js";
import { sourceRootOf } from "./workspace.js";

/**
 * Reads what the rules need from one server folder (`src/`, requirements.txt, ...): its Python
 * files under `src/`, requirements.txt, .env.example, fastmcp.json and Python version files.
 */

/** One Python file under a server's `src/`. */
export interface SourceFile {
  /** Analyzer id (unique across the run). */
  id: string;
  abs: string;
  /** POSIX path relative to the monorepo root (what findings print). */
  rel: string;
  /** POSIX path relative to the server's source root (`src/`, or the entry file's folder: {@link ServerData.srcDir}). */
  srcRel: string;
  /** Dotted module name as `fastmcp run` imports it with the source root on sys.path (`shared.config`). */
  module: string;
  isPackage: boolean;
}

/** A text file of the server, with its root-relative name. */
export interface TextFile {
  rel: string;
  text: string;
  /** For text assembled from another file (pyproject.toml dependencies): 1-based source line of each text line. */
  lines?: number[];
}

/** Where a server's FastMCP object is imported from. */
export interface EntryPoint {
  /** Root-relative POSIX path of the entry file. */
  rel: string;
  /** Analyzer id of the entry file, or null when it does not exist. */
  sourceId: string | null;
  /** Objects explicitly named as the entrypoint, with where they were named. */
  objects: { name: string; from: string }[];
  /** Where the entry file came from: the manifest, fastmcp.json, or the default `src/server.py`. */
  from: "mcp-monorepo.yaml" | "fastmcp.json" | "default";
  /** Root-relative file fastmcp.json's `source.path` names (null without one). */
  fastmcpJsonFile: string | null;
}

/** Everything read from one server folder; `facts` is filled in once the analyzer has run. */
export interface ServerData {
  server: CheckedServer;
  /** POSIX folder relative to root. */
  folder: string;
  /** False when the server folder itself is missing (a manifest entry without a folder). */
  dirExists: boolean;
  srcDirExists: boolean;
  /** Source root relative to the server folder (POSIX): `src`, or the entry file's folder (`""` = the server folder itself). */
  srcDir: string;
  sources: SourceFile[];
  /** Top-level module and package names found directly under the source root → kind. */
  localModules: Map<string, { kind: "module" | "package" | "namespace"; rel: string }>;
  /** Top-level names of the server folder and the entry file's folder (`src` itself, sibling modules): local, never PyPI packages. */
  nearbyModules: Set<string>;
  /** Package folders under the server's `src/` (its own code in the src layout), which are not PyPI distributions. */
  srcPackages: Set<string>;
  /** requirements.txt, or (without one) the `[project] dependencies` of pyproject.toml as lines (filled in after the analyzer ran). */
  requirements: TextFile | null;
  /** Where `requirements` came from. */
  requirementsFrom: "requirements.txt" | "pyproject.toml" | null;
  /** The server's `.env.example`, else the root's (a monorepo may document every variable in one root file). */
  envExample: TextFile | null;
  fastmcpJson: TextFile | null;
  /** fastmcp.json parsed (null when there is none). */
  fastmcpConfig: LocatedJson | null;
  /** The file FastMCP imports and the objects named as entrypoints (manifest `path:obj`, fastmcp.json `source.entrypoint`). */
  entry: EntryPoint;
  pythonVersionFile: TextFile | null;
  /** Root-relative path of `pyproject.toml` in the server folder, if any. */
  pyproject: string | null;
  facts: Map<string, FileFacts>;
}

const SKIP = ["**/__pycache__/**", "**/.venv/**", "**/venv/**", "**/node_modules/**", "**/.mypy_cache/**", "**/.pytest_cache/**", "**/site-packages/**"];

async function readText(abs: string): Promise<string | null> {
  return fs.readFile(abs, "utf8").catch(() => null);
}

/**
 * Decodes a requirements file as pip reads it ({@link requirementsEncoding}); bytes that are not
 * text become U+FFFD here, as `check` reports on what it can read rather than stopping.
 *
 * @returns the text without its BOM, or null when the file cannot be read.
 */
async function readRequirementsText(abs: string): Promise<string | null> {
  const bytes = await fs.readFile(abs).catch(() => null);
  return bytes === null ? null : new TextDecoder(requirementsEncoding(bytes)).decode(bytes); // TextDecoder drops a leading BOM by default
}

/** POSIX path of `abs` relative to `root`. */
export function relPosix(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join("/");
}

/** Dotted module name of a file relative to `src/`: `shared/__init__.py` → `shared` (a package). */
export function moduleOf(srcRel: string): { module: string; isPackage: boolean } {
  const parts = srcRel.replace(/\.py$/, "").split("/");
  const isPackage = parts[parts.length - 1] === "__init__";
  if (isPackage) parts.pop();
  return { module: parts.join("."), isPackage };
}

/**
 * Collects one server's inputs.
 *
 * @param root - absolute monorepo root.
 * @param server - the server to read.
 * @param index - a number making analyzer ids unique.
 */
export async function collectServer(root: string, server: CheckedServer, index: number): Promise<ServerData> {
  const srcDirRel = sourceRootOf(server.entryFile);
  const srcDir = path.join(server.dir, ...srcDirRel.split("/").filter(Boolean));
  const srcDirExists = await fs.stat(srcDir).then((s) => s.isDirectory(), () => false);
  const sources: SourceFile[] = [];
  const localModules: ServerData["localModules"] = new Map();
  if (srcDirExists) {
    // A source root that is the server folder itself also holds tests and tooling FastMCP never imports.
    const skip = srcDirRel === "src" ? SKIP : [...SKIP, "tests/**", "test/**", "**/tests/**", "scripts/**", "docs/**", "examples/**", "setup.py", "conftest.py", "**/conftest.py", "**/test_*.py"];
    const files = (await glob(["**/*.py"], { cwd: srcDir, onlyFiles: true, ignore: skip, dot: false, expandDirectories: false })).sort();
    for (const srcRel of files) {
      const abs = path.join(srcDir, ...srcRel.split("/"));
      const { module, isPackage } = moduleOf(srcRel);
      sources.push({ id: `${index}:${srcRel}`, abs, rel: relPosix(root, abs), srcRel, module, isPackage });
      const [top, ...rest] = srcRel.split("/");
      if (rest.length === 0) localModules.set(top!.replace(/\.py$/, ""), { kind: "module", rel: relPosix(root, abs) });
      else {
        const hasInit = files.includes(`${top}/__init__.py`);
        const prev = localModules.get(top!);
        if (!prev || prev.kind === "namespace") {
          localModules.set(top!, { kind: hasInit ? "package" : "namespace", rel: relPosix(root, path.join(srcDir, top!)) + "/" });
        }
      }
    }
  }
  const read = async (name: string): Promise<TextFile | null> => {
    const abs = path.join(server.dir, name);
    const text = await readText(abs);
    return text === null ? null : { rel: relPosix(root, abs), text };
  };
  let envExample = await read(".env.example");
  if (!envExample) {
    const text = await readText(path.join(root, ".env.example"));
    if (text !== null) envExample = { rel: ".env.example", text };
  }
  const fastmcpJson = await read(server.configFile ?? "fastmcp.json");
  const fastmcpConfig = fastmcpJson ? parseLocatedJson(fastmcpJson.text) : null;
  const entry = await resolveEntry(root, server, fastmcpConfig, sources, index);
  const pyprojectAbs = path.join(server.dir, "pyproject.toml");
  const hasPyproject = await fs.stat(pyprojectAbs).then((s) => s.isFile(), () => false);
  const dirExists = await fs.stat(server.dir).then((s) => s.isDirectory(), () => false);
  const nearbyModules = new Set<string>();
  for (const dir of new Set([server.dir, path.dirname(path.resolve(server.dir, server.entryFile))])) {
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && /^[A-Za-z_]\w*$/.test(e.name)) nearbyModules.add(e.name);
      else if (e.isFile() && /\.py$/.test(e.name)) nearbyModules.add(e.name.slice(0, -3));
    }
  }
  // `src/<pkg>/`: the server's own package in the src layout, importable only once the project is installed
  // (https://packaging.python.org/en/latest/discussions/src-layout-vs-flat-layout/).
  const srcPackages = new Set<string>();
  for (const e of await fs.readdir(path.join(server.dir, "src"), { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory() && /^[A-Za-z_]\w*$/.test(e.name)) srcPackages.add(e.name);
  }
  const requirementsAbs = path.join(server.dir, "requirements.txt");
  const requirementsText = await readRequirementsText(requirementsAbs);
  const requirements: TextFile | null = requirementsText === null ? null : { rel: relPosix(root, requirementsAbs), text: requirementsText };
  return {
    server,
    folder: server.folder,
    dirExists,
    srcDirExists,
    srcDir: srcDirRel,
    sources,
    localModules,
    nearbyModules,
    srcPackages,
    requirements,
    requirementsFrom: requirements ? "requirements.txt" : null,
    envExample,
    fastmcpJson,
    fastmcpConfig,
    entry,
    pythonVersionFile: await read(".python-version"),
    pyproject: hasPyproject ? relPosix(root, pyprojectAbs) : null,
    facts: new Map(),
  };
}

/** `src/server.py:mcp` → file and object (FastMCP's `path:object` syntax; a Windows drive colon is not a separator). */
export function splitPathObject(p: string): { file: string; object: string | null } {
  const body = /^[A-Za-z]:/.test(p) ? p.slice(2) : p;
  const i = body.lastIndexOf(":");
  if (i < 0) return { file: p, object: null };
  const cut = p.length - body.length + i;
  return { file: p.slice(0, cut), object: p.slice(cut + 1) || null };
}

async function resolveEntry(root: string, server: CheckedServer, config: LocatedJson | null, sources: SourceFile[], index: number): Promise<EntryPoint> {
  const objects: EntryPoint["objects"] = [];
  let file = server.entryFile;
  let from: EntryPoint["from"] = server.entryFromManifest ? "mcp-monorepo.yaml" : "default";
  if (server.entryObject !== null) objects.push({ name: server.entryObject, from: "mcp-monorepo.yaml" });
  let jsonRel: string | null = null;
  const source = (config?.data as { source?: { path?: unknown; entrypoint?: unknown } } | undefined)?.source;
  if (source && typeof source.path === "string") {
    const split = splitPathObject(source.path);
    jsonRel = relPosix(root, path.resolve(server.dir, split.file));
    const obj = typeof source.entrypoint === "string" ? source.entrypoint : split.object;
    const sameFile = jsonRel === relPosix(root, path.resolve(server.dir, file));
    if (!server.entryFromManifest) {
      file = split.file;
      from = "fastmcp.json";
    }
    if (obj && (sameFile || !server.entryFromManifest)) objects.push({ name: obj, from: "fastmcp.json" });
  }
  const abs = path.resolve(server.dir, file);
  const rel = relPosix(root, abs);
  let hit = sources.find((s) => s.rel === rel);
  if (!hit && (await fs.stat(abs).then((s) => s.isFile(), () => false))) {
    hit = { id: `${index}:entry`, abs, rel, srcRel: path.basename(abs), module: path.basename(abs).replace(/\.py$/, ""), isPackage: false };
    sources.push(hit);
  }
  return { rel, sourceId: hit?.id ?? null, objects, from, fastmcpJsonFile: jsonRel };
}

/** Facts of each parsed source file of a server (files Python could not parse are skipped; see `python-syntax`). */
export function* parsedSources(server: ServerData): Generator<{ rel: string; srcRel: string; module: string; facts: FileFacts }> {
  for (const src of server.sources) {
    const facts = server.facts.get(src.id);
    if (facts && !facts.parseError) yield { rel: src.rel, srcRel: src.srcRel, module: src.module, facts };
  }
}

/**
 * Root-relative paths of the server's Python files that can run when FastMCP imports the entry file:
 * the entry and, transitively, the modules of the server's own that it imports (a package's
 * `__init__.py` with each submodule, relative imports resolved from the importing module;
 * imports under `if __name__ == "__main__":` never run there). Null when that cannot be known
 * (the entry is missing, or a file on the way cannot be parsed).
 */
export function reachableFiles(server: ServerData): Set<string> | null {
  const entry = server.sources.find((s) => s.id === server.entry.sourceId);
  if (!entry) return null;
  const byModule = new Map<string, SourceFile[]>();
  for (const s of server.sources) {
    const list = byModule.get(s.module) ?? [];
    list.push(s);
    byModule.set(s.module, list);
  }
  /** Sources for a dotted name: exact, or (after a sys.path edit or a `src/` layout) a module ending with it. */
  const lookup = (name: string): SourceFile[] => {
    const exact = byModule.get(name);
    if (exact) return exact;
    return server.sources.filter((s) => s.module.endsWith(`.${name}`));
  };
  const seen = new Set<string>([entry.rel]);
  const queue: SourceFile[] = [entry];
  while (queue.length) {
    const src = queue.shift()!;
    const facts = server.facts.get(src.id);
    if (!facts || facts.parseError) return null;
    const parts = src.module.split(".");
    const pkg = src.isPackage ? parts : parts.slice(0, -1);
    for (const imp of facts.imports) {
      if (imp.scope === "main" || imp.typeChecking) continue;
      let base: string[];
      if (imp.level === 0) base = imp.module.split(".");
      else {
        if (imp.level - 1 > pkg.length) continue;
        base = [...pkg.slice(0, pkg.length - (imp.level - 1)), ...(imp.module ? imp.module.split(".") : [])];
      }
      const names: string[] = [];
      for (let i = 1; i <= base.length; i++) names.push(base.slice(0, i).join("."));
      for (const n of imp.names) names.push([...base, n].join("."));
      for (const name of names) {
        if (!name) continue;
        for (const hit of lookup(name)) {
          if (seen.has(hit.rel)) continue;
          seen.add(hit.rel);
          queue.push(hit);
          // Importing `pkg.mod` runs `pkg/__init__.py` first.
          const hp = hit.module.split(".");
          for (let i = 1; i < hp.length; i++) for (const init of byModule.get(hp.slice(0, i).join(".")) ?? []) if (!seen.has(init.rel)) (seen.add(init.rel), queue.push(init));
        }
      }
    }
  }
  return seen;
}
