import * as fs from "node:fs/promises";
import path from "node:path";
import { FASTMCP_CLOUD_PYTHON, type Manifest, type Target } from "../../monorepo/manifest.js";
import type { ServerData, TextFile } from "../collect.js";
import type { AnalyzerRequest } from "../facts.js";
import type { Rule, RuleContext } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `python-version`.
 *
 * FastMCP Cloud (now Prefect Horizon) builds every server on its base image `mcp-base-python3.12`
 * (Python 3.12.12, as its build log shows) whatever `fastmcp.json` says, so a server declaring
 * `>=3.13` fails to build. The two ways out: lower the requirement, or deploy as a custom
 * container. For docker, k8s and mcpb the runtime is the manifest's `python` (the
 * `python:<version>-slim` image, the MCPB Python runtime's tag).
 *
 * Declarations read: `fastmcp.json` `environment.python` and `.python-version` (uv Python
 * requests: `3.12` means any 3.12.x) and `pyproject.toml` `[project] requires-python` (PEP 440),
 * in each server folder and (`.python-version`, `pyproject.toml`) at the monorepo root, where a
 * project usually declares it; root findings have `server: null`.
 * Specifiers are evaluated in Python (`packaging.specifiers`), never by string comparison.
 */

/** The runtime of FastMCP Cloud's base image, as its build log reports it ("Python runtime: 3.12.12"). */
export const FASTMCP_CLOUD_RUNTIME = `${FASTMCP_CLOUD_PYTHON}.12`;

/** The Python runtime a target runs, or null when unknown (docker/k8s/mcpb without a manifest). */
export function runtimeFor(target: Target, manifest: Manifest | null): string | null {
  return target === "fastmcp-cloud" ? FASTMCP_CLOUD_RUNTIME : manifest?.python ?? null;
}

/** Analyzer ids for a server's declarations. */
function ids(server: ServerData): { json: string; file: string; pyproject: string } {
  const base = `${server.folder}|`;
  return { json: `${base}fastmcp.json`, file: `${base}.python-version`, pyproject: `${base}pyproject.toml` };
}

/** The first version line of `.python-version`, with its 1-based line. */
function pythonVersionLine(text: string): { raw: string; line: number } | null {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t && !t.startsWith("#")) return { raw: t, line: i + 1 };
  }
  return null;
}

function fastmcpJsonPython(server: ServerData): string | null {
  const env = (server.fastmcpConfig?.data as { environment?: { python?: unknown } } | undefined)?.environment;
  return typeof env?.python === "string" ? env.python : null;
}

/**
 * Adds a server's Python declarations to the analyzer request.
 *
 * @param root - absolute monorepo root (pyproject paths are made absolute).
 */
export function addPythonVersionRequests(request: AnalyzerRequest, server: ServerData, root: string): void {
  const id = ids(server);
  const jsonPython = fastmcpJsonPython(server);
  if (jsonPython !== null) request.specs.push({ id: id.json, raw: jsonPython, kind: "request" });
  const pv = server.pythonVersionFile ? pythonVersionLine(server.pythonVersionFile.text) : null;
  if (pv) request.specs.push({ id: id.file, raw: pv.raw, kind: "request" });
  if (server.pyproject) request.pyprojects.push({ id: id.pyproject, path: path.join(root, ...server.pyproject.split("/")) });
}

function describeTarget(target: Target, runtime: string): string {
  switch (target) {
    case "fastmcp-cloud":
      return `Python ${runtime}, the runtime of FastMCP Cloud's base image mcp-base-python${FASTMCP_CLOUD_PYTHON} (the platform ignores the declared version when it picks the image)`;
    case "docker":
    case "k8s":
      return `Python ${runtime}, the manifest's python for the ${target} target (image python:${runtime}-slim)`;
    case "mcpb":
      return `Python ${runtime}, the manifest's python for the mcpb target (MCPB Python runtime tag ${runtime})`;
  }
}

function fixFor(target: Target): string {
  return target === "fastmcp-cloud"
    ? `lower the requirement so it admits ${FASTMCP_CLOUD_PYTHON} (e.g. ">=${FASTMCP_CLOUD_PYTHON}"), or deploy this server as a custom container instead (target docker, on a python:<version>-slim image you choose)`
    : "change the declared range or the manifest's python so they agree";
}

/** One declared Python version, located, with what the analyzer made of it. */
interface Declaration {
  label: string;
  file: string;
  line: number;
  raw: string;
  result: { spec?: string; admits?: Record<string, boolean>; newer?: Record<string, boolean>; error?: string } | undefined;
}

/** Findings for declarations that cannot be read or exclude a target's runtime. */
function judge(decls: Declaration[], ctx: RuleContext, server: string | null): Finding[] {
  const out: Finding[] = [];
  const make = (file: string, line: number, message: string, fix: string): Finding => ({ rule: "python-version", severity: "error", server, file, line, message, fix });
  for (const d of decls) {
    if (!d.result) continue;
    if (d.result.error) {
      out.push(make(d.file, d.line, `${d.label} ${JSON.stringify(d.raw)} cannot be read: ${d.result.error}`, "use a version like \"3.12\" or a PEP 440 range like \">=3.12\""));
      continue;
    }
    for (const target of ctx.targets) {
      const runtime = runtimeFor(target, ctx.manifest);
      if (!runtime || d.result.admits?.[runtime] !== false) continue;
      if (target === "fastmcp-cloud" && d.result.newer?.[runtime] === false) {
        // A pin below the platform's Python (3.10, 3.11): the platform runs 3.12 anyway and installs fine.
        out.push({
          ...make(d.file, d.line, `${d.label} ${JSON.stringify(d.raw)} names an older Python than FastMCP Cloud runs (Python ${runtime}, whatever the declaration says): the server deploys, but runs on ${FASTMCP_CLOUD_PYTHON}`, `test on Python ${FASTMCP_CLOUD_PYTHON} too, or widen the declaration to include it (e.g. ">=3.10")`),
          severity: "warning",
        });
        continue;
      }
      const waysOut = target === "fastmcp-cloud" ? "; lower the requirement or deploy as a custom container" : "";
      out.push(make(d.file, d.line, `${d.label} ${JSON.stringify(d.raw)} excludes ${describeTarget(target, runtime)}${waysOut}`, fixFor(target)));
    }
  }
  return out;
}

/** `.python-version` and `pyproject.toml` declarations of a folder (server or monorepo root). */
function fileDeclarations(pythonVersionFile: TextFile | null, pyproject: string | null, id: { file: string; pyproject: string }, ctx: RuleContext): Declaration[] {
  const decls: Declaration[] = [];
  const pv = pythonVersionFile ? pythonVersionLine(pythonVersionFile.text) : null;
  if (pv && pythonVersionFile) decls.push({ label: ".python-version", file: pythonVersionFile.rel, line: pv.line, result: ctx.analyzer.specs[id.file], raw: pv.raw });
  const pp = pyproject ? ctx.analyzer.pyprojects[id.pyproject] : undefined;
  if (pyproject && pp && (pp.requiresPython || pp.error)) {
    decls.push({ label: "pyproject.toml requires-python", file: pyproject, line: pp.line ?? 1, result: pp, raw: pp.requiresPython ?? "" });
  }
  return decls;
}

/** The `python-version` rule (error per declaration and target it excludes). */
export const pythonVersionRule: Rule = (server, ctx) => {
  const id = ids(server);
  const decls: Declaration[] = [];
  const jsonPython = fastmcpJsonPython(server);
  if (jsonPython !== null && server.fastmcpJson) {
    decls.push({ label: "fastmcp.json environment.python", file: server.fastmcpJson.rel, line: server.fastmcpConfig!.lineOf(["environment", "python"]), result: ctx.analyzer.specs[id.json], raw: jsonPython });
  }
  decls.push(...fileDeclarations(server.pythonVersionFile, server.pyproject, id, ctx));
  return judge(decls, ctx, server.server.name);
};

/** Python version files at the monorepo root (a root `pyproject.toml` is where a project usually declares `requires-python`). */
export interface RootPythonFiles {
  pythonVersionFile: TextFile | null;
  /** Root-relative path (`pyproject.toml`) or null. */
  pyproject: string | null;
}

const ROOT_IDS = { file: "<root>|.python-version", pyproject: "<root>|pyproject.toml" };

/** Reads the root's `.python-version` and notes its `pyproject.toml`. */
export async function readRootPythonFiles(root: string): Promise<RootPythonFiles> {
  const text = await fs.readFile(path.join(root, ".python-version"), "utf8").catch(() => null);
  const hasPyproject = await fs.stat(path.join(root, "pyproject.toml")).then((s) => s.isFile(), () => false);
  return { pythonVersionFile: text === null ? null : { rel: ".python-version", text }, pyproject: hasPyproject ? "pyproject.toml" : null };
}

/** Adds the root's declarations to the analyzer request. */
export function addRootPythonVersionRequests(request: AnalyzerRequest, files: RootPythonFiles, root: string): void {
  const pv = files.pythonVersionFile ? pythonVersionLine(files.pythonVersionFile.text) : null;
  if (pv) request.specs.push({ id: ROOT_IDS.file, raw: pv.raw, kind: "request" });
  if (files.pyproject) request.pyprojects.push({ id: ROOT_IDS.pyproject, path: path.join(root, files.pyproject) });
}

/** Monorepo-wide `python-version` findings (server: null) for the root's declarations. */
export function rootPythonVersionFindings(files: RootPythonFiles, ctx: RuleContext): Finding[] {
  return judge(fileDeclarations(files.pythonVersionFile, files.pyproject, ROOT_IDS, ctx), ctx, null);
}
