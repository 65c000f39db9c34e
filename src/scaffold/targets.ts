import type { Manifest, ManifestServer, Target } from "../monorepo/manifest.js";
import type { DesiredFile } from "../monorepo/changes.js";
import type { RootTargetTemplateData, ServerData, TargetTemplateData } from "./template-data.js";
import { toFolder } from "../monorepo/names.js";
import { serverPorts } from "../monorepo/manifest.js";
import { parseEnvExample } from "../monorepo/env-example.js";
import { dockerignoreSecretLines } from "../monorepo/secrets.js";

/**
 * The deployment targets registry: for each target the manifest can name, the per-server
 * artefact files it renders and its README Deployment column(s). `create`, `add-server`,
 * `add-target` and `sync` render artefacts through {@link renderTargetFiles} (the node-plop
 * generator `target-<id>`, generators/targets.js), and the README table (src/scaffold/readme.ts)
 * takes its columns from {@link TARGET_SPECS}, so there is one source.
 */

/** One per-server file a target renders (its template is named by the target's generator, generators/targets.js). */
export interface TargetArtefact {
  /** POSIX path relative to the server folder, e.g. `Dockerfile`. */
  path: string;
}

/** One README Deployment table column. */
export interface TargetColumn {
  header: string;
  /** The cell for a server: Markdown, already escaped. */
  cell: (server: ManifestServer, manifest: Manifest) => string;
}

/** What the generator knows about one target. */
export interface TargetSpec {
  id: Target;
  /** Human name (prompts, README). */
  label: string;
  /** One-line hint shown in the create multiselect. */
  hint: string;
  /** Per-server files, in the order they are written (what the generator `target-<id>` renders). */
  artefacts: TargetArtefact[];
  /**
   * Files at the monorepo root that list every server (what the generator `target-<id>-root`
   * renders; `path` is relative to the root). Rendered from the whole manifest.
   */
  rootArtefacts: TargetArtefact[];
  /** Columns this target adds to the README Deployment table. */
  columns: TargetColumn[];
  /** The one command that deploys or runs a server on this target (from the monorepo root). */
  command: (server: ManifestServer) => string;
}

/** The container command: the Dockerfile's exec-form `CMD` and the Kubernetes container `command`. */
export const CONTAINER_COMMAND: readonly string[] = ["python", "src/asgi.py"];
/** Port the container serves on (`$PORT` default, `EXPOSE`, `containerPort`). */
export const CONTAINER_PORT = 8000;
/** Streamable HTTP path served by `src/asgi.py`. */
export const MCP_PATH = "/mcp";
/** Health route every generated server registers (FastMCP `custom_route`). */
export const HEALTH_PATH = "/health";
/**
 * Seconds the Kubernetes startupProbe allows: a server whose imports are CPU-bound (large SDKs,
 * model loading) can take well over the default probe budget to start; at least 60 s is needed.
 */
export const STARTUP_SECONDS = 120;
/** Period of the startupProbe (seconds); failureThreshold = {@link STARTUP_SECONDS} / this. */
export const STARTUP_PERIOD_SECONDS = 5;
/**
 * The HorizontalPodAutoscaler of each server, on the k8s.yaml container's CPU figures (request
 * 250m, limit 1000m). autoscaling/v2 measures `Utilization` against the request: 80% of 250m is
 * 200m average per pod before a replica is added, well under the 1000m limit, so a pod scales out
 * before it is throttled. Start-up bursts do not count: the autoscaler leaves out the CPU of pods
 * that are not ready yet (Kubernetes docs, "Horizontal Pod Autoscaling", algorithm details).
 * One replica at rest (the Deployment's own count); at most 3, a bound of 3 x 1000m = 3 cores
 * per server that a small cluster can hold (users raise it).
 */
export const AUTOSCALING = { minReplicas: 1, maxReplicas: 3, cpuUtilization: 80, cpuRequestMillicores: 250, cpuLimitMillicores: 1000 } as const;
/**
 * Variables whose `.env.example` value (meant for local runs) is replaced in a container:
 * it must listen on every interface, on the port the probes and the Service use.
 */
export const CONTAINER_ENV_OVERRIDES: Readonly<Record<string, string>> = {
  HOST: "0.0.0.0",
  PORT: String(CONTAINER_PORT),
  MCP_TRANSPORT: "http",
};

const code = (s: string) => "`" + s.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";
const cell = (artefact: string, command: string) => `${code(artefact)}<br>${code(command)}`;

/** Kubernetes names of a server's ConfigMap and Secret, from its object name `server-<name>`. */
export function k8sNames(k8sName: string): { config: string; secret: string } {
  return { config: `${k8sName}-config`, secret: `${k8sName}-secrets` };
}

/** The registry, in manifest order of {@link TARGETS}. */
export const TARGET_SPECS: Readonly<Record<Target, TargetSpec>> = {
  "fastmcp-cloud": {
    id: "fastmcp-cloud",
    label: "FastMCP Cloud",
    hint: "Prefect Horizon builds from the GitHub repository (Python 3.12 base image)",
    artefacts: [],
    rootArtefacts: [],
    // What FastMCP Cloud asks for per server: repository, branch, entrypoint and requirements
    // file (FastMCP Cloud docs, https://gofastmcp.com/deployment/fastmcp-cloud).
    columns: [
      { header: "Repository", cell: (_s, m) => code(m.repository) },
      { header: "Branch", cell: (_s, m) => code(m.branch) },
      { header: "Entrypoint", cell: (s) => code(s.entrypoint) },
      { header: "Requirements", cell: (s) => code(s.requirements) },
    ],
    command: (s) => `fastmcp.cloud: new server, entrypoint ${s.entrypoint}`,
  },
  docker: {
    id: "docker",
    label: "Docker",
    hint: "a Dockerfile per server (python:<version>-slim, any Python version)",
    artefacts: [
      { path: "Dockerfile" },
      { path: ".dockerignore" },
    ],
    rootArtefacts: [{ path: "compose.yaml" }],
    columns: [{ header: "Docker", cell: (s) => cell(`${s.folder}/Dockerfile`, TARGET_SPECS.docker.command(s)) }],
    command: (s) => `docker build -t ${s.name} ${s.folder} && docker run -p ${CONTAINER_PORT}:${CONTAINER_PORT} ${s.name}`,
  },
  k8s: {
    id: "k8s",
    label: "Kubernetes",
    hint: "Deployment + Service + ConfigMap per server (image from the Dockerfile)",
    artefacts: [{ path: "k8s.yaml" }, { path: "hpa.yaml" }],
    rootArtefacts: [{ path: "kustomization.yaml" }],
    columns: [{ header: "Kubernetes", cell: (s) => cell(`${s.folder}/k8s.yaml`, TARGET_SPECS.k8s.command(s)) }],
    command: (s) => `kubectl apply -f ${s.folder}/k8s.yaml`,
  },
  mcpb: {
    id: "mcpb",
    label: "MCPB bundle",
    hint: "a reproducible .mcpb per server (npx create-mcp-monorepo bundle)",
    artefacts: [{ path: ".mcpbignore" }],
    rootArtefacts: [],
    columns: [{ header: "MCPB bundle", cell: (s) => cell(`${s.folder}/.mcpbignore`, TARGET_SPECS.mcpb.command(s)) }],
    command: (s) => `npx create-mcp-monorepo bundle ${s.name}`,
  },
};

/** Root-relative paths of the artefacts `target` renders for a server folder. */
export function artefactPaths(target: Target, folder: string): string[] {
  return TARGET_SPECS[target].artefacts.map((a) => `${folder}/${a.path}`);
}

/** What {@link renderTargetFiles} renders from. */
export interface TargetRenderInput {
  /** Template data of the server (its `folder` is the manifest's folder). */
  server: ServerData;
  /** The manifest's Python version, e.g. "3.12". */
  python: string;
  /** Text of the server's `.env.example` (null: none, so only the container overrides). */
  envExample: string | null;
}

/**
 * Template data for one server.
 *
 * @param server - template data of the server (its `folder` is the manifest's folder).
 * @param python - the manifest's Python version, e.g. "3.12".
 * @param envExample - text of the server's `.env.example` (null: none, so only the container overrides).
 */
export function targetTemplateData(server: ServerData, python: string, envExample: string | null): TargetTemplateData {
  const vars = envExample === null ? [] : parseEnvExample(envExample);
  const config = vars.filter((v) => !v.secret).map((v) => ({ name: v.name, value: CONTAINER_ENV_OVERRIDES[v.name] ?? v.value }));
  for (const [name, value] of Object.entries(CONTAINER_ENV_OVERRIDES)) {
    if (!config.some((c) => c.name === name) && !vars.some((v) => v.name === name)) config.push({ name, value });
  }
  const k8sName = toFolder(server.name);
  const names = k8sNames(k8sName);
  return {
    server,
    python,
    command: CONTAINER_COMMAND,
    k8sName,
    configName: names.config,
    secretName: names.secret,
    config,
    secrets: vars.filter((v) => v.secret).map((v) => ({ name: v.name })),
    startupSeconds: STARTUP_SECONDS,
    startupFailureThreshold: STARTUP_SECONDS / STARTUP_PERIOD_SECONDS,
    minReplicas: AUTOSCALING.minReplicas,
    maxReplicas: AUTOSCALING.maxReplicas,
    cpuUtilization: AUTOSCALING.cpuUtilization,
    cpuTargetMillicores: (AUTOSCALING.cpuRequestMillicores * AUTOSCALING.cpuUtilization) / 100,
    maxCores: (AUTOSCALING.maxReplicas * AUTOSCALING.cpuLimitMillicores) / 1000,
    secretIgnore: dockerignoreSecretLines(),
  };
}

/** The container's health probe (exec form): python:*-slim has no curl, so the standard library asks /health. */
export const HEALTH_TEST: readonly string[] = ["CMD", "python", "-c", `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${CONTAINER_PORT}${HEALTH_PATH}', timeout=4)`];

/** Template data of the root generators: every server of the manifest with its folder and port. */
export function rootTargetTemplateData(manifest: Pick<Manifest, "project" | "servers">): RootTargetTemplateData {
  const ports = serverPorts(manifest);
  return {
    project: manifest.project,
    servers: manifest.servers.map((s) => ({ name: s.name, folder: s.folder.replace(/\\/g, "/").replace(/\/$/, ""), port: ports.get(s.name)! })),
    containerPort: CONTAINER_PORT,
    containerEnv: Object.entries(CONTAINER_ENV_OVERRIDES).map(([name, value]) => ({ name, value })),
    healthPath: HEALTH_PATH,
    healthTest: HEALTH_TEST,
    startupSeconds: STARTUP_SECONDS,
  };
}

/**
 * Renders the root artefacts of `targets` (compose.yaml, kustomization.yaml) from the whole
 * manifest through each target's node-plop generator `target-<id>-root` (writes nothing).
 *
 * @returns root-relative POSIX path → file (mode 0o644), targets in the given order.
 * @throws Error when a generator renders other files than {@link TARGET_SPECS} lists (a generator bug).
 */
export async function renderRootTargetFiles(targets: readonly Target[], manifest: Pick<Manifest, "project" | "servers">): Promise<Map<string, DesiredFile>> {
  const files = new Map<string, DesiredFile>();
  const wanted = targets.filter((t) => TARGET_SPECS[t].rootArtefacts.length > 0);
  if (wanted.length === 0) return files;
  const { renderGenerator } = await import("./render.js");
  const data = rootTargetTemplateData(manifest);
  for (const t of wanted) {
    const rendered = await renderGenerator(`target-${t}-root`, data);
    const expected = TARGET_SPECS[t].rootArtefacts.map((a) => a.path);
    if (rendered.size !== expected.length || expected.some((p) => !rendered.has(p))) {
      throw new Error(`generator target-${t}-root rendered ${[...rendered.keys()].join(", ")}; the target registry lists ${expected.join(", ")}`);
    }
    for (const p of expected) files.set(p, rendered.get(p)!);
  }
  return files;
}

/**
 * Renders the per-server artefacts of `targets` through each target's node-plop generator
 * (`target-<id>`, generators/targets.js; writes nothing). Targets without artefacts
 * (fastmcp-cloud) render nothing.
 *
 * @param targets - targets to render, e.g. the manifest's `targets`.
 * @param input - the server, the manifest's Python and the server's `.env.example` (for the k8s
 *   ConfigMap and Secret references).
 * @returns root-relative POSIX path → file (mode 0o644), targets in the given order.
 * @throws Error when a generator renders other files than {@link TARGET_SPECS} lists (a generator bug).
 */
export async function renderTargetFiles(targets: readonly Target[], input: TargetRenderInput): Promise<Map<string, DesiredFile>> {
  const files = new Map<string, DesiredFile>();
  const wanted = targets.filter((t) => TARGET_SPECS[t].artefacts.length > 0);
  if (wanted.length === 0) return files;
  // Loaded on first use: check's rules read this registry without the template engine.
  const { renderGenerator } = await import("./render.js");
  const data = targetTemplateData(input.server, input.python, input.envExample);
  for (const t of wanted) {
    const rendered = await renderGenerator(`target-${t}`, data);
    const expected = artefactPaths(t, input.server.folder);
    if (rendered.size !== expected.length || expected.some((p) => !rendered.has(p))) {
      throw new Error(`generator target-${t} rendered ${[...rendered.keys()].join(", ")}; the target registry lists ${expected.join(", ")}`);
    }
    for (const p of expected) files.set(p, rendered.get(p)!);
  }
  return files;
}
