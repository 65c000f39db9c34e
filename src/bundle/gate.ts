import path from "node:path";
import { UserError } from "../kernel/errors.js";
import { PACKAGE_ROOT } from "../version.js";
import type { BundleEntry } from "./entry.js";
import { lastLine, runProcess } from "../kernel/proc.js";

/**
 * The load gate: before a bundle is written, its server is imported from the bundle's own
 * staged layout by the bundle's own Python, isolated from everything else on the machine
 * (`-I -S`: no PYTHONPATH, no site-packages, no user site), and its tools are listed. A bundle
 * that would crash where it runs is refused here, with the first error line and the `check`
 * rule that explains it.
 */

/** The gate script (shipped in package.json `files`). */
export const GATE_SCRIPT = path.join(PACKAGE_ROOT, "python", "mcpm_bundle", "gate.py");

/** What the gate found. */
export interface GateResult {
  tools: string[];
}

interface GateReport {
  ok: boolean;
  tools?: string[];
  asgi?: boolean;
  stage?: "guard" | "import" | "object" | "tools" | "asgi";
  type?: string;
  message?: string;
  name?: string | null;
}

/** The check rule that explains a failure. */
function ruleFor(r: GateReport, entry: BundleEntry): string {
  if (r.type === "SyntaxError" || r.type === "IndentationError" || r.type === "TabError") return "python-syntax";
  if (r.stage === "object" || r.stage === "tools") return "server-object";
  if (r.stage === "asgi") return "mcpb-bundle";
  if (r.type === "ModuleNotFoundError" && r.name && r.name !== entry.module) return "undeclared-dependency";
  if (r.type === "ImportError" && r.message?.includes(`from '${entry.module}'`)) return "server-object";
  return "import-crash";
}

/**
 * Imports the server from `root` (the staged bundle: server files and `deps/`) and lists its tools.
 *
 * @param env - environment of the import (the server's settings; placeholders for required ones).
 * @param zip - the bundle's archive (written, not yet in place): modules are loaded from its
 *   bytecode where it has some for this interpreter, as the runtime loads them, instead of being
 *   compiled from source (about half the import CPU).
 * @throws UserError naming the server, the first error line and the check rule when the import,
 *   the server object, its tools or the HTTP app (`asgi.py` beside the entry file) fail.
 */
export async function loadGate(opts: { pythonExe: string; root: string; entry: BundleEntry; folder: string; python: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; zip?: string }): Promise<GateResult> {
  const { entry, folder } = opts;
  const r = await runProcess(opts.pythonExe, ["-I", "-S", "-B", GATE_SCRIPT, opts.root, entry.appDir, entry.module, entry.object, ...(opts.zip ? [opts.zip] : [])], { env: opts.env, cwd: path.dirname(opts.root), signal: opts.signal, timeoutMs: 120_000 });
  if (r.startError) throw new UserError(`cannot run ${opts.pythonExe} for the bundle's load check (${r.startError.code})`);
  const line = r.stdout.split(/\r?\n/).reverse().find((l) => l.startsWith("MCPM-GATE "));
  const refuse = (what: string, rule: string) =>
    new UserError(`${folder}: the bundle does not load on Python ${opts.python} (${entry.file}:${entry.object} imported from the bundle alone): ${what}; see \`npx create-mcp-monorepo check --explain ${rule}\`; no bundle written (--no-verify skips this check)`);
  if (!line) {
    const last = (lastLine(r.stderr) || `exit ${r.code ?? r.signal}`).slice(0, 300);
    throw refuse(r.timedOut ? "the import did not finish in 120 s (does the module start a server at import?)" : last, "import-crash");
  }
  const report = JSON.parse(line.slice("MCPM-GATE ".length)) as GateReport;
  if (!report.ok) throw refuse((report.message ?? report.type ?? "failed").slice(0, 300), ruleFor(report, entry));
  if (!report.asgi) {
    const asgi = entry.appDir === "." ? "asgi.py" : `${entry.appDir}/asgi.py`;
    throw refuse(`no ${asgi} beside the entry file: runtimes serve a bundle with \`uvicorn asgi:app --app-dir ${entry.appDir}\``, "mcpb-bundle");
  }
  return { tools: report.tools ?? [] };
}
