import * as fs from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import type { FileFacts } from "./facts.js";
import type { CheckedServer } from "./types.js";

/**
 * Reads what the rules need from one server folder (CONTRACT.md layout): its Python
 * files under `src/`, requirements.txt, .env.example, fastmcp.json and Python version files.
 */

/** One Python file under a server's `src/`. */
export interface SourceFile {
  /** Analyzer id (unique across the run). */
  id: string;
  abs: string;
  /** POSIX path relative to the monorepo root (what findings print). */
  rel: string;
  /** POSIX path relative to `src/`. */
  srcRel: string;
  /** Dotted module name as `fastmcp run` imports it with `src/` on sys.path (`shared.config`). */
  module: string;
  isPackage: boolean;
}

/** A text file of the server, with its root-relative name. */
export interface TextFile {
  rel: string;
  text: string;
}

/** Everything read from one server folder; `facts` is filled in once the analyzer has run. */
export interface ServerData {
  server: CheckedServer;
  /** POSIX folder relative to root. */
  folder: string;
  srcDirExists: boolean;
  sources: SourceFile[];
  /** Top-level module and package names found directly under `src/` → kind. */
  localModules: Map<string, { kind: "module" | "package" | "namespace"; rel: string }>;
  requirements: TextFile | null;
  /** The server's `.env.example`, else the root's (seed 002 keeps one at the root). */
  envExample: TextFile | null;
  fastmcpJson: TextFile | null;
  pythonVersionFile: TextFile | null;
  /** Root-relative path of `pyproject.toml` in the server folder, if any. */
  pyproject: string | null;
  facts: Map<string, FileFacts>;
}

const SKIP = ["**/__pycache__/**", "**/.venv/**", "**/venv/**", "**/node_modules/**", "**/.mypy_cache/**", "**/.pytest_cache/**", "**/site-packages/**"];

async function readText(abs: string): Promise<string | null> {
  return fs.readFile(abs, "utf8").catch(() => null);
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
  const srcDir = path.join(server.dir, "src");
  const srcDirExists = await fs.stat(srcDir).then((s) => s.isDirectory(), () => false);
  const sources: SourceFile[] = [];
  const localModules: ServerData["localModules"] = new Map();
  if (srcDirExists) {
    const files = (await glob(["**/*.py"], { cwd: srcDir, onlyFiles: true, ignore: SKIP, dot: false, expandDirectories: false })).sort();
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
  const pyprojectAbs = path.join(server.dir, "pyproject.toml");
  const hasPyproject = await fs.stat(pyprojectAbs).then((s) => s.isFile(), () => false);
  return {
    server,
    folder: server.folder,
    srcDirExists,
    sources,
    localModules,
    requirements: await read("requirements.txt"),
    envExample,
    fastmcpJson: await read("fastmcp.json"),
    pythonVersionFile: await read(".python-version"),
    pyproject: hasPyproject ? relPosix(root, pyprojectAbs) : null,
    facts: new Map(),
  };
}
