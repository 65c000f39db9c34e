import path from "node:path";
import { FASTMCP_CLOUD_PYTHON, type Manifest, type Target } from "../../core/manifest.js";
import type { ServerData } from "../collect.js";
import type { AnalyzerRequest } from "../facts.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `python-version` (issue 5 rule 8; CONTRACT rule 8).
 *
 * Source: seed 000 (Build Failure RCA BUILD-FAIL-002): FastMCP Cloud (now Prefect Horizon) builds
 * every server on the base image `mcp-base-python3.12` (Python 3.12.12) whatever `fastmcp.json`
 * says, so a server declaring `>=3.13` fails to build. The two ways out are the RCA's options 1
 * and 2: lower the requirement, or deploy as a custom container. For docker, k8s and mcpb the
 * runtime is the manifest's `python` (the `python:<version>-slim` image, seed 001's runtime tag).
 *
 * Declarations read: `fastmcp.json` `environment.python` and `.python-version` (uv Python
 * requests: `3.12` means any 3.12.x) and `pyproject.toml` `[project] requires-python` (PEP 440).
 * Specifiers are evaluated in Python (`packaging.specifiers`), never by string comparison.
 */

/** The runtime of FastMCP Cloud's base image, from the RCA's build log (seed 000: "Python runtime: 3.12.12"). */
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
      return `Python ${runtime}, the runtime of FastMCP Cloud's base image mcp-base-python${FASTMCP_CLOUD_PYTHON} (seed 000: the platform ignores the declared version when it picks the image)`;
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

/** The `python-version` rule (error per declaration and target it excludes). */
export const pythonVersionRule: Rule = (server, ctx) => {
  const out: Finding[] = [];
  const id = ids(server);
  const decls: { label: string; file: string; line: number; result: { spec?: string; admits?: Record<string, boolean>; error?: string } | undefined; raw: string }[] = [];
  const jsonPython = fastmcpJsonPython(server);
  if (jsonPython !== null && server.fastmcpJson) {
    decls.push({ label: "fastmcp.json environment.python", file: server.fastmcpJson.rel, line: server.fastmcpConfig!.lineOf(["environment", "python"]), result: ctx.analyzer.specs[id.json], raw: jsonPython });
  }
  const pv = server.pythonVersionFile ? pythonVersionLine(server.pythonVersionFile.text) : null;
  if (pv && server.pythonVersionFile) {
    decls.push({ label: ".python-version", file: server.pythonVersionFile.rel, line: pv.line, result: ctx.analyzer.specs[id.file], raw: pv.raw });
  }
  const pp = server.pyproject ? ctx.analyzer.pyprojects[id.pyproject] : undefined;
  if (server.pyproject && pp && (pp.requiresPython || pp.error)) {
    decls.push({ label: "pyproject.toml requires-python", file: server.pyproject, line: pp.line ?? 1, result: pp, raw: pp.requiresPython ?? "" });
  }
  for (const d of decls) {
    if (!d.result) continue;
    if (d.result.error) {
      out.push(finding("python-version", "error", server, d.file, d.line, `${d.label} ${JSON.stringify(d.raw)} cannot be read: ${d.result.error}`, "use a version like \"3.12\" or a PEP 440 range like \">=3.12\""));
      continue;
    }
    for (const target of ctx.targets) {
      const runtime = runtimeFor(target, ctx.manifest);
      if (!runtime || d.result.admits?.[runtime] !== false) continue;
      out.push(
        finding("python-version", "error", server, d.file, d.line, `${d.label} ${JSON.stringify(d.raw)} excludes ${describeTarget(target, runtime)}`, fixFor(target)),
      );
    }
  }
  return out;
};
