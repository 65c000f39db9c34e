import * as fs from "node:fs/promises";
import path from "node:path";
import { readCanonicalShared, readLock, SHARED_DIR, type SharedFile, type SyncLock } from "../monorepo/vendor.js";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { collectServer, reachableFiles, type ServerData } from "./collect.js";
import type { AnalyzerRequest } from "./facts.js";
import { runAnalyzer } from "./python.js";
import type { Rule, RuleContext } from "./rule.js";
import { asyncClientsRule } from "./rules/async-clients.js";
import { configOrderRule } from "./rules/config-order.js";
import { dependenciesRule } from "./rules/dependencies.js";
import { deprecatedRule } from "./rules/deprecated.js";
import { dockerIgnoreRule, dockerPythonRule, dockerServeRule, healthRouteRule, targetFilesRule } from "./rules/docker.js";
import { k8sCommandRule, k8sEnvRule, k8sParseRule, k8sProbesRule, k8sResourcesRule, k8sSecretRule } from "./rules/k8s.js";
import { envRule } from "./rules/env.js";
import { fastmcpJsonRule } from "./rules/fastmcp-json.js";
import { fastmcpV4Rule } from "./rules/fastmcp-v4.js";
import { importCrashRule } from "./rules/import-crash.js";
import { databaseRule } from "./rules/database.js";
import { layoutRule } from "./rules/layout.js";
import { mcpbRule } from "./rules/mcpb.js";
import { secretFileRule, sharedSecretFindings } from "./rules/secrets.js";
import { pathImportRule } from "./rules/path-import.js";
import { pypiOnlyRule } from "./rules/pypi-only.js";
import {
  addPythonVersionRequests,
  addRootPythonVersionRequests,
  pythonVersionRule,
  readRootPythonFiles,
  rootPythonVersionFindings,
  runtimeFor,
} from "./rules/python-version.js";
import { serverObjectRule } from "./rules/server-object.js";
import { shadowingRule } from "./rules/shadowing.js";
import { sharedDriftRule } from "./rules/shared-drift.js";
import { listingFindings, serverPresenceFindings } from "./rules/stale.js";
import { staleLockRule } from "./rules/stale-lock.js";
import { findPython } from "../kernel/python.js";
import { distinctTargetPythons } from "../monorepo/deploy-compat.js";
import type { CheckReport, Finding } from "./types.js";
import type { Resolution } from "./metadata.js";
import { loadWorkspace, resolveTargets, type Workspace } from "./workspace.js";
import type { Target } from "../monorepo/manifest.js";
import { resolutionRuntime, resolvePackages, usePyprojectDependencies } from "./packages.js";
import { byCodeUnit } from "../kernel/compare.js";

/** Every rule, in the order `check --explain` documents them (layout first: it explains what the others skip). */
export const RULES: Rule[] = [
  layoutRule,
  serverObjectRule,
  pypiOnlyRule,
  dependenciesRule,
  fastmcpV4Rule,
  sharedDriftRule,
  pathImportRule,
  envRule,
  asyncClientsRule,
  deprecatedRule,
  pythonVersionRule,
  fastmcpJsonRule,
  shadowingRule,
  configOrderRule,
  importCrashRule,
  databaseRule,
  staleLockRule,
  // Deployment targets: only for --target docker / k8s / mcpb (or the manifest's targets).
  targetFilesRule,
  dockerPythonRule,
  dockerServeRule,
  healthRouteRule,
  dockerIgnoreRule,
  k8sParseRule,
  k8sEnvRule,
  k8sSecretRule,
  k8sProbesRule,
  k8sResourcesRule,
  k8sCommandRule,
  mcpbRule,
  secretFileRule,
];

/** Options of {@link runCheck} (the `check` command's flags, validated). */
export interface CheckOptions {
  /** Absolute folder to start from (walks up to the monorepo root). */
  start: string;
  /** `--server` names or folders; empty for all. */
  servers?: string[];
  /** `--target` values; empty for the manifest's targets (else fastmcp-cloud). */
  targets?: string[];
  /** `--python` interpreter for the analyzer. */
  python?: string;
  /** `--offline`: do not resolve requirements with uv or pip (import names then come from the built-in map). */
  offline?: boolean;
  /** Environment (PATH and MCPM_PYTHON are read). */
  env: NodeJS.ProcessEnv;
}

/** Rules about the whole folder, true of a file whether the entry imports it or not. */
const FOLDER_RULES = new Set<Finding["rule"]>(["shadowed-module", "shared-drift", "server-layout", "fastmcp-json", "python-version"]);

/**
 * A Python file of the server folder that the entry file never imports (a script, a client, an
 * example next to the server) does not run when FastMCP loads the server: its errors become
 * warnings that say so.
 */
function onlyReachableErrors(server: ServerData, findings: Finding[]): Finding[] {
  const reachable = reachableFiles(server);
  if (!reachable) return findings;
  const sources = new Set(server.sources.map((s) => s.rel));
  return findings.map((f) =>
    f.severity === "error" && !FOLDER_RULES.has(f.rule) && sources.has(f.file) && !reachable.has(f.file)
      ? { ...f, severity: "warning", message: `${f.message} (${server.entry.rel} never imports this file, so it does not run when FastMCP loads the server)` }
      : f,
  );
}

/**
 * The interpreter that parses the code when neither `--interpreter` nor `MCPM_PYTHON` names one:
 * in a monorepo with mcp-monorepo.yaml, the oldest Python the checked targets run (FastMCP
 * Cloud 3.12, docker/k8s/mcpb the manifest's `python`), so syntax is judged by the Python that
 * deploys it (PEP 701 f-strings are valid on 3.12). Without a manifest: the default interpreter.
 *
 * When that Python is not installed, the default interpreter parses and `note` says so.
 */
async function targetParser(ws: Workspace, targets: Target[], env: NodeJS.ProcessEnv): Promise<{ python?: string; note?: string }> {
  if (env.MCPM_PYTHON || !ws.manifest) return {};
  const versions = distinctTargetPythons(ws.manifest.python, targets).sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
  try {
    return { python: (await findPython({ version: versions[0]!, env })).path };
  } catch (err) {
    // Parsing still works on another 3.10+; the report says which Python parsed and why.
    return { note: `${(err as Error).message}; the default interpreter parses the code instead, so syntax newer than it may be reported as python-syntax` };
  }
}

/**
 * Sort key: server (in manifest order; monorepo-wide findings last), then file, then line, rule,
 * severity (errors first) and message: a total order, so the report does not depend on the order
 * in which rules emit their findings.
 */
function compareFindings(order: Map<string, number>): (a: Finding, b: Finding) => number {
  const rank = (f: Finding) => (f.severity === "error" ? 0 : 1);
  return (a, b) =>
    (order.get(a.server ?? "") ?? order.size) - (order.get(b.server ?? "") ?? order.size) ||
    byCodeUnit(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    byCodeUnit(a.rule, b.rule) ||
    rank(a) - rank(b) ||
    byCodeUnit(a.message, b.message);
}

/**
 * The `check` core: a plain function over validated options that never prints.
 *
 * @returns the report: findings sorted by server, file and line, and a summary.
 * @throws CannotRunError (exit 2) when it cannot run: no monorepo, bad manifest, unknown
 *   `--server`/`--target`, no usable Python, or an unreadable canonical `shared/`.
 */
export async function runCheck(opts: CheckOptions): Promise<CheckReport> {
  const ws = await loadWorkspace(opts.start, opts.servers ?? []);
  const targets = resolveTargets(opts.targets ?? [], ws.manifest);
  const data: ServerData[] = [];
  for (const [i, s] of ws.servers.entries()) data.push(await collectServer(ws.root, s, i));

  const runtimes = [...new Set(targets.map((t) => runtimeFor(t, ws.manifest)).filter((r): r is string => r !== null))];
  const request: AnalyzerRequest = { files: [], specs: [], pyprojects: [], runtimes, importNames: [] };
  for (const d of data) {
    for (const src of d.sources) request.files.push({ id: src.id, path: src.abs, module: src.module, isPackage: src.isPackage });
    addPythonVersionRequests(request, d, ws.root);
  }
  const rootPython = await readRootPythonFiles(ws.root);
  addRootPythonVersionRequests(request, rootPython, ws.root);
  const parser = opts.python ? {} : await targetParser(ws, targets, opts.env);
  const analyzer = await runAnalyzer(request, { python: opts.python ?? parser.python, env: opts.env });
  for (const d of data) {
    for (const src of d.sources) {
      const facts = analyzer.files[src.id];
      if (facts) d.facts.set(src.id, facts);
    }
  }
  // Files the entry imports first, so that a finding about an import names a file that runs.
  for (const d of data) {
    const reachable = reachableFiles(d);
    if (reachable) d.sources.sort((a, b) => Number(!reachable.has(a.rel)) - Number(!reachable.has(b.rel)));
  }
  const stdlib = new Set(analyzer.stdlib);
  for (const d of data) usePyprojectDependencies(d, analyzer, ws.root);
  const packages = opts.offline ? new Map() : await resolvePackages(data, { python: analyzer.python.executable, runtime: resolutionRuntime(targets, ws.manifest), stdlib, env: opts.env });

  let canonical: SharedFile[] | null = null;
  let canonicalRequirements: string | null = null;
  let lock: SyncLock | null = null;
  const sharedDir = path.join(ws.root, SHARED_DIR);
  if (await fs.stat(sharedDir).then((s) => s.isDirectory(), () => false)) {
    try {
      canonical = await readCanonicalShared(ws.root);
      lock = await readLock(ws.root);
    } catch (err) {
      if (err instanceof UserError) throw new CannotRunError(err.message);
      throw err;
    }
    canonicalRequirements = await fs.readFile(path.join(sharedDir, "requirements.txt"), "utf8").catch(() => null);
    if (Object.keys(lock.servers).length === 0) lock = null;
  }

  const ctx: RuleContext = { root: ws.root, manifest: ws.manifest, targets, analyzer, stdlib, canonical, canonicalRequirements, lock, packages, env: opts.env };
  const findings: Finding[] = [];
  for (const d of data) {
    const own: Finding[] = [];
    for (const rule of RULES) own.push(...(await rule(d, ctx)));
    findings.push(...onlyReachableErrors(d, own));
  }
  if (!opts.servers?.length) {
    findings.push(...rootPythonVersionFindings(rootPython, ctx));
    findings.push(...(await sharedSecretFindings(ws.root, targets)));
    if (ws.manifest) findings.push(...(await listingFindings(ws.root, ws.manifest, lock ?? (await readLock(ws.root).catch(() => null)))));
  }
  const missing = data.filter((d) => !d.dirExists).map((d) => ({ name: d.server.name, folder: d.server.folder }));
  findings.push(...serverPresenceFindings(missing, opts.servers?.length ? [] : ws.unlisted));
  const order = new Map(ws.servers.map((s, i) => [s.name, i]));
  findings.sort(compareFindings(order));
  const errors = findings.filter((f) => f.severity === "error").length;
  return {
    root: ws.root,
    discovered: ws.manifest === null,
    targets,
    servers: ws.servers.map((s) => s.name),
    python: { executable: analyzer.python.executable, version: analyzer.python.version, ...(parser.note ? { note: parser.note } : {}) },
    ...metadataSource(opts.offline === true, [...packages.values()].map((p) => p.resolution)),
    findings,
    summary: { errors, warnings: findings.length - errors, servers: ws.servers.length },
  };
}

/** Where import → distribution answers came from, and what resolved the requirements (`uv 0.13.9`, `pip`). */
function metadataSource(offline: boolean, resolutions: Resolution[]): Pick<CheckReport, "metadata" | "resolver"> {
  if (offline) return { metadata: "offline" };
  const resolver = resolutions[0]?.resolver;
  const kind = resolver?.startsWith("uv") ? "uv" : "pip";
  const metadata = resolutions.every((r) => r.ok) ? kind : resolutions.some((r) => r.ok) ? "partial" : "map";
  return resolver ? { metadata, resolver } : { metadata };
}
