/**
 * The data each node-plop generator (generators/*.js) renders its templates with: `monorepo`,
 * `server` and `target-<id>`. Names are validated before they get here.
 */

/** Template data for one server (names are already validated). */
export interface ServerData {
  name: string;
  description: string;
  /** `server-<name>` */
  folder: string;
  /** Human title, e.g. `Ops Team`. */
  title: string;
  /** Env var the server's hello tool reads, e.g. `OPS_GREETING`. */
  greetingVar: string;
}

/** Template data for the `monorepo` generator. */
export interface MonorepoData {
  project: string;
  python: string;
  /** The Python the deployment targets run (FastMCP Cloud: 3.12): CI tests every server on it. */
  targetPython: string;
  generatorVersion: string;
  servers: ServerData[];
  /** The marked README Deployment table (src/scaffold/readme.ts). */
  deploymentTable: string;
}

/** Template data for the `server` generator. */
export interface ServerGeneratorData {
  server: ServerData;
  python: string;
  /**
   * `fastmcp.json` `environment.python`: the Python minor the targets run (`3.12`, a uv
   * Python request), or a PEP 440 range (`>=3.11,<3.13`) for a Python older than FastMCP
   * Cloud's (src/monorepo/deploy-compat.ts `fastmcpJsonPython`).
   */
  pythonRequirement: string;
  generatorVersion: string;
}

/** Template data of every target template (see templates/targets/). */
export interface TargetTemplateData {
  server: ServerData;
  /** The manifest's Python (`python:<python>-slim`). */
  python: string;
  command: readonly string[];
  /** Kubernetes object name and `app.kubernetes.io/name` label: `server-<name>` (a DNS-1123 label whatever the folder path). */
  k8sName: string;
  configName: string;
  secretName: string;
  /** ConfigMap entries: every non-secret `.env.example` variable (container overrides applied). */
  config: Array<{ name: string; value: string }>;
  /** Secret variables (referenced from the Secret by name; values never written). */
  secrets: Array<{ name: string }>;
  startupSeconds: number;
  startupFailureThreshold: number;
  /** `.dockerignore` lines that keep secret-looking files out of the build context, at any depth. */
  secretIgnore: string[];
  /** HorizontalPodAutoscaler bounds and CPU target (src/scaffold/targets.ts `AUTOSCALING`). */
  minReplicas: number;
  maxReplicas: number;
  cpuUtilization: number;
  cpuTargetMillicores: number;
  maxCores: number;
}

/** Data of the root generators `target-<id>-root` (compose.yaml, kustomization.yaml). */
export interface RootTargetTemplateData {
  project: string;
  /** Every server of the manifest, in its order. */
  servers: Array<{ name: string; folder: string; port: number }>;
  containerPort: number;
  /** Variables set in every container (they win over the server's .env). */
  containerEnv: Array<{ name: string; value: string }>;
  healthPath: string;
  /** Exec-form health probe command. */
  healthTest: readonly string[];
  startupSeconds: number;
}
