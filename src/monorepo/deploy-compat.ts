import { FASTMCP_CLOUD_PYTHON, PYTHON_VERSIONS, TARGETS, type Target } from "./manifest.js";

/**
 * Whether a Python version and a set of deployment targets agree, decided before
 * anything is written, so `create` never generates a tree that `check --strict` rejects.
 *
 * FastMCP Cloud (Prefect Horizon) builds
 * every server on its base image `mcp-base-python3.12` (Python 3.12.12) whatever
 * `fastmcp.json` asks for, so a server requiring Python >= 3.13 fails to build there.
 * A custom container (docker), Kubernetes (k8s) and an MCPB bundle choose their own
 * Python image, so they accept every version in {@link PYTHON_VERSIONS}.
 */

/** Why a Python version and the targets disagree, and the ways out (data, not text to parse). */
export interface PythonTargetsProblem {
  /** The target that cannot run `python`. */
  target: Target;
  python: string;
  /** One line naming the public fact, e.g. "FastMCP Cloud builds every server on a Python 3.12 base image ...". */
  message: string;
  /** Highest Python version every chosen target can run. */
  highestPython: string;
  /** Targets that do run `python` (what to choose instead of, or with, `target`). */
  targetsThatRunIt: Target[];
}

/** `3.13` → 13 (the minor version of a `3.x` string). */
function minor(version: string): number {
  const m = /^3\.(\d+)$/.exec(version);
  if (!m) throw new Error(`not a Python 3.x version: ${version}`);
  return Number(m[1]);
}

/**
 * True when `target` runs Python `python`.
 *
 * @param python - a `3.x` version from {@link PYTHON_VERSIONS}.
 */
export function targetRunsPython(target: Target, python: string): boolean {
  if (target === "fastmcp-cloud") return minor(python) <= minor(FASTMCP_CLOUD_PYTHON);
  return true;
}

/**
 * Decides whether every target can run `python` (a pure function: no I/O).
 *
 * FastMCP Cloud runs Python 3.12, so any version up to 3.12 agrees with it (the generated
 * `fastmcp.json` asks for `>=3.x`, which 3.12 satisfies) and 3.13+ does not. docker, k8s and
 * mcpb accept every supported version.
 *
 * @param python - a `3.x` version from {@link PYTHON_VERSIONS}.
 * @param targets - the chosen targets (at least one).
 * @returns null when they agree, else the first problem.
 */
export function pythonTargetsProblem(python: string, targets: readonly Target[]): PythonTargetsProblem | null {
  for (const target of targets) {
    if (targetRunsPython(target, python)) continue;
    return {
      target,
      python,
      message: `FastMCP Cloud builds every server on a Python ${FASTMCP_CLOUD_PYTHON} base image whatever fastmcp.json asks for, so a Python ${python} server fails to build there`,
      highestPython: highestPythonFor(targets),
      targetsThatRunIt: TARGETS.filter((t) => targetRunsPython(t, python)),
    };
  }
  return null;
}

/** The highest version of {@link PYTHON_VERSIONS} that every target in `targets` runs. */
export function highestPythonFor(targets: readonly Target[]): string {
  const ok = PYTHON_VERSIONS.filter((v) => targets.every((t) => targetRunsPython(t, v)));
  return ok[ok.length - 1] ?? FASTMCP_CLOUD_PYTHON;
}

/** The Python versions every target in `targets` runs, in {@link PYTHON_VERSIONS} order. */
export function pythonVersionsFor(targets: readonly Target[]): string[] {
  return PYTHON_VERSIONS.filter((v) => targets.every((t) => targetRunsPython(t, v)));
}

/**
 * The Python each target runs a server on: FastMCP Cloud its base image's
 * ({@link FASTMCP_CLOUD_PYTHON}), docker, k8s and mcpb the manifest's `python` (their images
 * and bundles are built for it). No targets means FastMCP Cloud, the manifest's default.
 */
export function targetPythons(python: string, targets: readonly Target[]): Array<{ target: Target; python: string }> {
  return (targets.length ? targets : (["fastmcp-cloud"] as const)).map((target) => ({ target, python: target === "fastmcp-cloud" ? FASTMCP_CLOUD_PYTHON : python }));
}

/** The distinct Pythons of {@link targetPythons}, in target order (each `verify` runs once per entry). */
export function distinctTargetPythons(python: string, targets: readonly Target[]): string[] {
  return [...new Set(targetPythons(python, targets).map((t) => t.python))];
}

/**
 * The `environment.python` a generated fastmcp.json declares, so `fastmcp run fastmcp.json` (which
 * runs through `uv run`) takes the Python the targets run instead of the newest one uv can fetch
 * (gofastmcp.com/deployment/server-configuration; a uv Python request). It depends on the
 * manifest's `python` only, so adding a target never makes it wrong:
 * - `3.12` (FastMCP Cloud's): `"3.12"`, which every target runs;
 * - newer (docker/k8s/mcpb only, FastMCP Cloud cannot run it): that minor, e.g. `"3.13"`;
 * - older: `">=3.11,<3.13"`, which admits the manifest's Python (docker, k8s, mcpb) and
 *   FastMCP Cloud's 3.12, and nothing newer.
 */
export function fastmcpJsonPython(python: string): string {
  const cloud = minor(FASTMCP_CLOUD_PYTHON);
  if (minor(python) >= cloud) return python;
  return `>=${python},<3.${cloud + 1}`;

}

/**
 * The refusal `add-target` and `add-server --target` give for a target that cannot run the
 * monorepo's Python, the same rule `create` applies before writing anything
 * ({@link pythonTargetsProblem}).
 *
 * @param python - the manifest's `python`.
 * @param adding - the targets this command would add (not yet in the manifest).
 * @param command - the command refusing (`add-target`, `add-server`), named in the message.
 * @returns null when every added target runs `python`, else one line with the ways out.
 */
export function addedTargetsProblem(python: string, adding: readonly Target[], command: string): string | null {
  const problem = pythonTargetsProblem(python, adding);
  if (!problem) return null;
  const others = problem.targetsThatRunIt;
  return (
    `${command} refuses target ${problem.target} for this monorepo (python: "${python}" in mcp-monorepo.yaml): ${problem.message}; ` +
    `set python to ${highestPythonFor([problem.target])} or lower in mcp-monorepo.yaml first, or deploy Python ${python} with ${others.join(", ")} instead (nothing was written)`
  );
}
