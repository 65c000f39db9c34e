import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { CONTAINER_PORT, HEALTH_PATH, STARTUP_SECONDS } from "../../scaffold/targets.js";
import { parseEnvExample } from "../../monorepo/env-example.js";
import type { ServerData } from "../collect.js";
import { finding, type Rule, type RuleContext } from "../rule.js";
import type { Finding } from "../types.js";
import { dockerfileOf, readServerFile } from "./docker.js";

/**
 * Rules of the `k8s` target: `k8s-env`, `k8s-secret`, `k8s-probes`, `k8s-resources`,
 * `k8s-command`, over the server's `k8s.yaml` (every YAML document in it).
 *
 * Importing a Python server's dependencies is CPU-bound: requests cpu 250m / memory 256Mi, limits
 * cpu 1000m / memory 512Mi; a CPU limit below 500m slows start-up past the probes
 * (CrashLoopBackOff), and probe delays must cover the imports
 * (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/). Probes on `/health`, the container's command equal to the
 * Dockerfile's CMD, every `.env.example` variable supplied (ConfigMap, or a Secret for secrets).
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The objects of a k8s.yaml with the line each starts on. */
interface K8sFile {
  rel: string;
  objects: Array<{ kind: string; name: string; data: Obj; line: number; doc: Document; lc: LineCounter }>;
  error: { line: number; message: string } | null;
}

async function k8sOf(ctx: RuleContext, server: ServerData): Promise<K8sFile | null> {
  const cache = server as ServerData & { k8s?: K8sFile | null };
  if (cache.k8s !== undefined) return cache.k8s;
  const text = await readServerFile(ctx, server, "k8s.yaml");
  if (text === null) return (cache.k8s = null);
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  const out: K8sFile = { rel: `${server.folder}/k8s.yaml`, objects: [], error: null };
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      out.error = { line: e.linePos?.[0]?.line ?? 1, message: e.message.split("\n")[0]! };
      break;
    }
    const data = obj(doc.toJS());
    if (!data.kind) continue;
    const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
    out.objects.push({ kind: String(data.kind), name: String(obj(data.metadata).name ?? ""), data, line: range ? lc.linePos(range[0]).line : 1, doc, lc });
  }
  return (cache.k8s = out);
}

/** Line of a key path inside one object of the file (falls back to the object's first line). */
function lineIn(o: K8sFile["objects"][number], keyPath: Array<string | number>): number {
  for (let n = keyPath.length; n > 0; n--) {
    const node = o.doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return o.lc.linePos(node.range[0]).line;
  }
  return o.line;
}

const CONTAINER_PATH = ["spec", "template", "spec", "containers"];

/** The Deployment and its server container (named `server`, else the first). */
function serverContainer(file: K8sFile): { dep: K8sFile["objects"][number]; c: Obj; index: number } | null {
  const dep = file.objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
  if (!dep) return null;
  const containers = arr(obj(obj(obj(dep.data.spec).template).spec).containers).map(obj);
  if (containers.length === 0) return null;
  const index = Math.max(0, containers.findIndex((c) => c.name === "server"));
  return { dep, c: containers[index]!, index };
}

/** Runs a k8s rule only when the target is checked and the file parsed; reports a YAML error once. */
function k8sRule(body: (server: ServerData, ctx: RuleContext, file: K8sFile) => Promise<Finding[]> | Finding[], reportsParse = false): Rule {
  return async (server, ctx) => {
    if (!ctx.targets.includes("k8s") || !server.dirExists) return [];
    const file = await k8sOf(ctx, server);
    if (!file) return [];
    if (file.error) {
      return reportsParse ? [finding("k8s-probes", "error", server, file.rel, file.error.line, `k8s.yaml is not valid YAML: ${file.error.message}`, "fix the YAML (kubectl apply would reject it)")] : [];
    }
    return body(server, ctx, file);
  };
}

/** `k8s-env`: every `.env.example` variable reaches the container (ConfigMap key, env entry, or Secret). */
export const k8sEnvRule: Rule = k8sRule((server, _ctx, file) => {
  if (!server.envExample) return [];
  const vars = parseEnvExample(server.envExample.text);
  const sc = serverContainer(file);
  if (!sc) return [finding("k8s-env", "error", server, file.rel, null, "k8s.yaml has no Deployment with a container", "restore the generated Deployment (npx create-mcp-monorepo add-target k8s writes it when k8s.yaml is missing)")];
  const wired = new Set(arr(sc.c.env).map((e) => String(obj(e).name)));
  const configMaps = new Map(file.objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.name, obj(o.data.data)]));
  let secretRefAll = false;
  for (const ef of arr(sc.c.envFrom).map(obj)) {
    const cm = obj(ef.configMapRef);
    if (cm.name !== undefined) for (const k of Object.keys(configMaps.get(String(cm.name)) ?? {})) wired.add(`${String(ef.prefix ?? "")}${k}`);
    if (ef.secretRef) secretRefAll = true;
  }
  const out: Finding[] = [];
  for (const o of file.objects.filter((x) => x.kind === "ConfigMap")) {
    const host = obj(o.data.data).HOST;
    if (typeof host === "string" && /^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host)) {
      out.push(finding("k8s-env", "error", server, file.rel, lineIn(o, ["data", "HOST"]), `ConfigMap ${o.name} sets HOST=${host}: the server binds loopback inside the pod, so probes and the Service cannot reach it`, 'set HOST: "0.0.0.0" (the .env.example value is for local runs)'));
    }
  }
  for (const v of vars) {
    if (wired.has(v.name) || (v.secret && secretRefAll)) continue;
    out.push(
      finding(
        "k8s-env",
        "error",
        server,
        file.rel,
        lineIn(sc.dep, [...CONTAINER_PATH, sc.index]),
        `${v.name} (${server.envExample.rel}:${v.line}) is not supplied to the container, so it runs with the code's default${v.secret ? " and without the secret" : ""}`,
        v.secret
          ? `add it to env: with valueFrom.secretKeyRef (the Secret holds the value; never write it in k8s.yaml)`
          : `add ${v.name} to the server's ConfigMap (data:), which the container reads through envFrom`,
      ),
    );
  }
  return out;
});

/** `k8s-secret`: no secret value is written in k8s.yaml (ConfigMap data, plain `env` values, Secret objects). */
export const k8sSecretRule: Rule = k8sRule((server, _ctx, file) => {
  const secrets = new Set((server.envExample ? parseEnvExample(server.envExample.text) : []).filter((v) => v.secret).map((v) => v.name));
  const isSecret = (name: string) => secrets.has(name) || /(^|_)(KEY|TOKEN|SECRET|PASSWORD)$/.test(name.toUpperCase());
  const out: Finding[] = [];
  for (const o of file.objects) {
    if (o.kind === "ConfigMap") {
      for (const k of Object.keys(obj(o.data.data))) {
        if (isSecret(k)) {
          out.push(finding("k8s-secret", "error", server, file.rel, lineIn(o, ["data", k]), `ConfigMap ${o.name} holds ${k}, a secret: ConfigMaps are plain text for anyone who can read the namespace, and k8s.yaml is committed`, `remove it from the ConfigMap and reference it with env: valueFrom.secretKeyRef (create the Secret with kubectl create secret)`));
        }
      }
    }
    if (o.kind === "Secret" && (Object.keys(obj(o.data.data)).length > 0 || Object.keys(obj(o.data.stringData)).length > 0)) {
      out.push(finding("k8s-secret", "error", server, file.rel, o.line, `Secret ${o.name} with values is committed in k8s.yaml`, "delete it from k8s.yaml and create it in the cluster: kubectl create secret generic NAME --from-literal=KEY=..."));
    }
  }
  const sc = serverContainer(file);
  if (sc) {
    arr(sc.c.env).forEach((e, i) => {
      const entry = obj(e);
      if (entry.value !== undefined && isSecret(String(entry.name))) {
        out.push(finding("k8s-secret", "error", server, file.rel, lineIn(sc.dep, [...CONTAINER_PATH, sc.index, "env", i]), `${String(entry.name)} is a secret with its value written in k8s.yaml`, "use valueFrom.secretKeyRef instead of value"));
      }
    });
  }
  return out;
});

function probeSeconds(p: Obj): number {
  const n = (v: unknown, d: number) => (typeof v === "number" ? v : d);
  return n(p.initialDelaySeconds, 0) + n(p.periodSeconds, 10) * n(p.failureThreshold, 3);
}

/** `k8s-probes`: startup, readiness and liveness probes on `/health` at the container port; start-up allowed at least 60 s. */
export const k8sProbesRule: Rule = k8sRule((server, _ctx, file) => {
  const sc = serverContainer(file);
  if (!sc) return [];
  const out: Finding[] = [];
  const at = (key: string) => lineIn(sc.dep, [...CONTAINER_PATH, sc.index, key]);
  const ports = arr(sc.c.ports).map(obj);
  const portNames = new Set(ports.map((p) => p.name).filter(Boolean).map(String));
  const portNumbers = new Set(ports.map((p) => Number(p.containerPort)));
  if (!portNumbers.has(CONTAINER_PORT) && ports.length > 0) {
    out.push(finding("k8s-probes", "error", server, file.rel, at("ports"), `containerPort ${[...portNumbers].join(", ")} is not ${CONTAINER_PORT}, the $PORT the server listens on`, `set containerPort: ${CONTAINER_PORT}`));
  }
  for (const key of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    const p = obj(sc.c[key]);
    if (Object.keys(p).length === 0) {
      out.push(finding("k8s-probes", key === "startupProbe" ? "error" : "warning", server, file.rel, null, `no ${key}${key === "startupProbe" ? ": the liveness probe starts counting while Python is still importing (CrashLoopBackOff while Python imports)" : ""}`, `add ${key}: httpGet: {path: ${HEALTH_PATH}, port: http}`));
      continue;
    }
    const get = obj(p.httpGet);
    if (get.path !== HEALTH_PATH) {
      out.push(finding("k8s-probes", "error", server, file.rel, at(key), `${key} does not probe GET ${HEALTH_PATH}${get.path !== undefined ? ` (it asks ${String(get.path)})` : ""}`, `use httpGet: {path: ${HEALTH_PATH}, port: http}`));
    } else if (!(portNames.has(String(get.port)) || Number(get.port) === CONTAINER_PORT)) {
      out.push(finding("k8s-probes", "error", server, file.rel, at(key), `${key} probes port ${String(get.port)}, not the server's ${CONTAINER_PORT}`, `use port: http (the named containerPort ${CONTAINER_PORT})`));
    }
    if (key === "startupProbe" && probeSeconds(p) < 60) {
      out.push(finding("k8s-probes", "error", server, file.rel, at(key), `startupProbe allows ${probeSeconds(p)} s to start; Python's CPU-bound imports need more on a throttled CPU`, `allow at least 60 s, e.g. periodSeconds: 5 and failureThreshold: ${STARTUP_SECONDS / 5}`));
    }
  }
  return out;
});

/** CPU quantity in millicores (`250m`, `1`, `0.5`), or null. */
export function millicores(q: unknown): number | null {
  if (typeof q === "number") return q * 1000;
  if (typeof q !== "string") return null;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m) return null;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/** `k8s-resources`: resources set, and the CPU limit at least 500m (a lower limit stretches the imports past the probes). */
export const k8sResourcesRule: Rule = k8sRule((server, _ctx, file) => {
  const sc = serverContainer(file);
  if (!sc) return [];
  const res = obj(sc.c.resources);
  const line = lineIn(sc.dep, [...CONTAINER_PATH, sc.index, "resources"]);
  const advice = "requests cpu 250m / memory 256Mi, limits cpu 1000m / memory 512Mi";
  if (Object.keys(res).length === 0) return [finding("k8s-resources", "warning", server, file.rel, null, "no resources: the scheduler cannot reserve the CPU burst Python's imports need", `set ${advice} (the MCPB Python runtime's advice for Python servers)`)];
  const limit = millicores(obj(res.limits).cpu);
  if (limit !== null && limit < 500) {
    return [finding("k8s-resources", "error", server, file.rel, line, `CPU limit ${String(obj(res.limits).cpu)} is below 500m: start-up imports are throttled and the probes time out`, `set ${advice}`)];
  }
  return [];
});

/** `k8s-command`: the container runs what the Dockerfile's CMD runs. */
export const k8sCommandRule: Rule = k8sRule(async (server, ctx, file) => {
  const sc = serverContainer(file);
  if (!sc) return [];
  const df = await dockerfileOf(ctx, server);
  const cmd = df?.facts.cmd?.value;
  if (!Array.isArray(cmd)) return [];
  const command = sc.c.command === undefined ? null : arr(sc.c.command).map(String).concat(arr(sc.c.args).map(String));
  if (command === null || JSON.stringify(command) === JSON.stringify(cmd)) return [];
  return [
    finding("k8s-command", "error", server, file.rel, lineIn(sc.dep, [...CONTAINER_PATH, sc.index, "command"]), `the container command ${JSON.stringify(command)} differs from the Dockerfile's CMD ${JSON.stringify(cmd)}: the pod runs something the image was not tested with`, `set command: ${JSON.stringify(cmd)} (or drop it to use the image's CMD)`),
  ];
}, false);

/** Reports an unreadable k8s.yaml once (under k8s-probes). */
export const k8sParseRule: Rule = k8sRule(() => [], true);
