import * as fs from "node:fs/promises";
import path from "node:path";
import { openMonorepo, type MonorepoServer } from "../monorepo/monorepo.js";
import { planSync } from "../sync/index.js";
import { oneLineMessage } from "../kernel/errors.js";

/** What `list` is asked. */
export interface ListOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** One server as `list` shows it. */
export interface ListedServer {
  name: string;
  description: string;
  folder: string;
  /** False when the folder is missing (see `check`'s `server-missing`). */
  folderExists: boolean;
  entrypoint: string;
  targets: string[];
  python: string;
  /** Tool names: from the code (decorated functions) or, with `--inspect`, from FastMCP. */
  tools: string[];
  toolsFrom: "code" | "fastmcp" | "none";
  /** `sync --check`'s verdict for this server: `missing` when the folder is gone, `error` when sync cannot plan it. */
  sync: "in-sync" | "out-of-date" | "blocked" | "missing" | "error";
  /** Why `--inspect` or sync could not answer, one line. */
  problem?: string;
}

/** The result of `list`. */
export interface ListResult {
  root: string;
  project: string;
  servers: ListedServer[];
}

/**
 * Tool names a Python source declares: functions under a `@<server>.tool` decorator (`@mcp.tool`,
 * `@mcp.tool()`, `@mcp.tool(name="x")`, FastMCP's decorator forms, https://gofastmcp.com/servers/tools),
 * named by the decorator's `name=` when given. A static reading: tools added at run time are not seen.
 */
export function toolsInSource(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*@[A-Za-z_][\w.]*\.tool\b/.test(lines[i]!)) continue;
    let decorator = lines[i]!;
    let j = i + 1;
    for (; j < lines.length && !/^\s*(async\s+)?def\s/.test(lines[j]!); j++) decorator += `\n${lines[j]!}`;
    const def = /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(lines[j] ?? "");
    if (!def) continue;
    const named = /\bname\s*=\s*["']([^"']+)["']/.exec(decorator.split("\n")[0]!.includes("(") ? decorator.slice(0, decorator.indexOf(")") + 1 || undefined) : "");
    out.push(named ? named[1]! : def[1]!);
    i = j;
  }
  return out;
}

async function pythonFiles(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name === "shared" || e.name.startsWith(".") || e.name === "__pycache__" || e.name === "tests") continue;
      out.push(...(await pythonFiles(dir, p)));
    } else if (e.isFile() && e.name.endsWith(".py")) out.push(p);
  }
  return out.sort();
}

async function staticTools(s: MonorepoServer): Promise<string[]> {
  const src = path.join(s.dir, "src");
  const base = (await fs.stat(src).then((st) => st.isDirectory(), () => false)) ? src : s.dir;
  const tools: string[] = [];
  for (const f of await pythonFiles(base)) tools.push(...toolsInSource(await fs.readFile(path.join(base, f), "utf8").catch(() => "")));
  return [...new Set(tools)].sort();
}

/**
 * Puts what FastMCP reports (`list --inspect`: `fastmcp inspect` in each server's own environment,
 * verify's first steps) in place of the tools read from the code.
 */
export function useInspected(result: ListResult, found: Map<string, { ok: boolean; tools: string[]; detail: string }>): void {
  for (const row of result.servers) {
    const r = found.get(row.name);
    if (!r) continue;
    if (r.ok) {
      row.tools = r.tools;
      row.toolsFrom = "fastmcp";
    } else row.problem = `fastmcp inspect: ${r.detail}`;
  }
}

/**
 * The core of `list` (reads only, never writes): every server of the manifest with its folder,
 * entrypoint, targets, Python, tools and whether `sync` would change it.
 */
export async function listServers(opts: ListOptions): Promise<ListResult> {
  const repo = await openMonorepo(opts.cwd);
  const lock = await repo.readLock();
  const servers: ListedServer[] = [];
  for (const s of repo.servers) {
    const folderExists = await fs.stat(s.dir).then((st) => st.isDirectory(), () => false);
    const row: ListedServer = {
      name: s.name,
      description: s.description,
      folder: s.folder,
      folderExists,
      entrypoint: s.entrypoint,
      targets: [...repo.manifest.targets],
      python: repo.manifest.python,
      tools: folderExists ? await staticTools(s) : [],
      toolsFrom: folderExists ? "code" : "none",
      sync: folderExists ? "in-sync" : "missing",
    };
    if (folderExists) {
      try {
        const plan = await planSync({ root: repo.root, servers: repo.servers, selected: [s], lock, force: false, deploy: { python: repo.manifest.python, targets: repo.manifest.targets } });
        row.sync = plan.perServer[0]?.status ?? "in-sync";
      } catch (err) {
        row.sync = "error";
        row.problem = oneLineMessage((err as Error).message);
      }
    }
    servers.push(row);
  }
  return { root: repo.root, project: repo.manifest.project, servers };
}
