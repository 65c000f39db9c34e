// Builds small monorepos in temp folders for the sync tests (no dependency on `create`).
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { renderManifest, serverEntry, type Manifest } from "../../src/monorepo/manifest.js";
import { renderServerRequirements } from "../../src/monorepo/requirements.js";
import { runCli, type CliRun } from "../helpers/cli.js";
import { mergeEnvBlock } from "../../src/monorepo/env-block.js";
import { LOCK_FILE, readCanonicalShared, serializeLock, vendoredStateOf, type SyncLock } from "../../src/monorepo/vendor.js";

/** File contents (string or bytes) with an optional mode, keyed by POSIX path. */
export type Tree = Record<string, string | Buffer | { content: string | Buffer; mode: number }>;

/** Writes a tree of files under `dir`. */
export async function writeTree(dir: string, tree: Tree): Promise<void> {
  for (const [rel, v] of Object.entries(tree)) {
    const abs = path.join(dir, ...rel.split("/"));
    await fs.mkdir(path.dirname(abs), { recursive: true });
    const content = typeof v === "string" || Buffer.isBuffer(v) ? v : v.content;
    await fs.writeFile(abs, content);
    if (typeof v === "object" && !Buffer.isBuffer(v)) await fs.chmod(abs, v.mode);
  }
}

/** Reads every file under `dir` (recursively) into path → bytes. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs).split(path.sep).join("/"), await fs.readFile(abs));
  }
  return out;
}

/** The default canonical package of a fixture. */
export const DEFAULT_SHARED: Tree = {
  "__init__.py": "from shared.config import settings\n",
  "config.py": "import os\n\nclass Settings:\n    name = os.getenv('APP_NAME', 'demo')\n\nsettings = Settings()\n",
  "util/__init__.py": "",
  "util/text.py": "def shout(s: str) -> str:\n    return s.upper()\n",
  "requirements.txt": "httpx>=0.27\n",
};

/** A monorepo fixture: root, server names, and helpers. */
export interface Fixture {
  root: string;
  servers: string[];
  /** Root-relative vendored folder of a server. */
  vendored: (server: string) => string;
  /** Absolute path of a root-relative POSIX path. */
  abs: (rel: string) => string;
  read: (rel: string) => Promise<string>;
  write: (rel: string, content: string | Buffer) => Promise<void>;
  lock: () => Promise<SyncLock>;
}

/**
 * Creates a synced monorepo in a new temp folder: manifest, `shared/`, and per server
 * `server-<n>/src/shared/` (a copy of canonical), requirements.txt as create writes it,
 * and the lock, so right after it everything is clean (like after `create`). When the shared tree
 * has a `.env.example`, the root and every server get a `.env.example` with its managed block.
 */
export async function makeFixture(opts: { servers?: string[]; shared?: Tree; synced?: boolean } = {}): Promise<Fixture> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-sync-"));
  const servers = opts.servers ?? ["alpha", "beta"];
  const manifest: Manifest = {
    formatVersion: 1,
    project: "demo",
    python: "3.12",
    repository: "https://github.com/example/demo",
    branch: "main",
    targets: ["fastmcp-cloud"],
    shared: "shared",
    servers: servers.map((n) => serverEntry(n, `${n} server`)),
  };
  await writeTree(root, { "mcp-monorepo.yaml": renderManifest(manifest) });
  await writeTree(path.join(root, "shared"), opts.shared ?? DEFAULT_SHARED);
  const canonical = await readCanonicalShared(root);
  const sharedReq = await fs.readFile(path.join(root, "shared", "requirements.txt"), "utf8").catch(() => "");
  // With a shared/.env.example, every .env.example holds its block, as create writes them.
  const sharedEnv = await fs.readFile(path.join(root, "shared", ".env.example"), "utf8").catch(() => null);
  if (sharedEnv !== null && opts.synced !== false) {
    await writeTree(root, { ".env.example": mergeEnvBlock({ sharedText: sharedEnv, fileText: "# every variable\n\nPORT=8000\n", file: ".env.example", header: "" }).text! });
  }
  const lock: SyncLock = { lockVersion: 1, servers: {} };
  for (const n of servers) {
    const folder = `server-${n}`;
    await writeTree(root, { [`${folder}/requirements.txt`]: renderServerRequirements(folder, sharedReq, ["pydantic>=2"]), [`${folder}/src/server.py`]: "mcp = None\n" });
    if (opts.synced === false) continue;
    if (sharedEnv !== null) {
      const own = `# ${folder}'s own settings\n${n.toUpperCase()}_GREETING=Hello\n`;
      await writeTree(root, { [`${folder}/.env.example`]: mergeEnvBlock({ sharedText: sharedEnv, fileText: own, file: `${folder}/.env.example`, header: "" }).text! });
    }
    for (const f of canonical) await writeTree(path.join(root, folder, "src", "shared"), { [f.path]: { content: f.content, mode: f.mode } });
    lock.servers[n] = vendoredStateOf(canonical);
  }
  if (opts.synced !== false) await fs.writeFile(path.join(root, LOCK_FILE), serializeLock(lock));
  const abs = (rel: string) => path.join(root, ...rel.split("/"));
  return {
    root,
    servers,
    vendored: (s) => `server-${s}/src/shared`,
    abs,
    read: (rel) => fs.readFile(abs(rel), "utf8"),
    write: async (rel, content) => {
      await fs.mkdir(path.dirname(abs(rel)), { recursive: true });
      await fs.writeFile(abs(rel), content);
    },
    lock: async () => JSON.parse(await fs.readFile(path.join(root, LOCK_FILE), "utf8")) as SyncLock,
  };
}

/** Output and exit code of one in-process CLI run. */
export type CliResult = CliRun;

/** Runs the CLI in-process with captured streams (cwd = `cwd`, no colour). */
export async function cli(cwd: string, ...argv: string[]): Promise<CliResult> {
  return runCli(argv, { cwd, env: { ...process.env, NO_COLOR: "1" } });
}

/** mtimes (ms) and inode numbers of every file under `dir`, for "nothing was rewritten" checks. */
export async function statTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    const st = await fs.stat(abs);
    out.set(path.relative(dir, abs), `${st.mtimeMs}:${st.ino}:${st.mode}`);
  }
  return out;
}
