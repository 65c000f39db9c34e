// The root files that list every server: compose.yaml (docker) and kustomization.yaml (k8s, with a
// HorizontalPodAutoscaler per server), judged by the real tools: the compose-spec JSON schema,
// Debian's docker-compose, `kubectl kustomize` and kubernetes-validate --strict.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../helpers/cli.js";
import { REPO_ROOT, VENV_BIN } from "../helpers/python.js";

const execFileP = promisify(execFile);
const KUBE_VALIDATE = path.join(VENV_BIN, "kubernetes-validate");
const KUBERNETES_VERSION = "1.37.0";
const SERVERS = ["ops", "billing", "customer"];
let root: string;
let parent: string;

const read = (rel: string) => readFile(path.join(root, rel), "utf8");

async function validateCompose(doc: unknown): Promise<string[]> {
  const schema = JSON.parse(await readFile(path.join(REPO_ROOT, "schemas", "compose-spec.json"), "utf8"));
  // Draft-07, ajv's default draft; the file names its meta-schema by an https URL ajv does not know.
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

beforeAll(async () => {
  parent = await tempDir("mcpm-root-artefacts-");
  const res = await runCli(["demo", "--yes", "--no-git", ...SERVERS.flatMap((s) => ["--server", s]), "--target", "docker", "--target", "k8s"], { cwd: parent });
  expect(res.code, res.stderr).toBe(0);
  root = path.join(parent, "demo");
});

describe("compose.yaml", () => {
  it("has one service per server: build context = its folder, the dev port, .env if present, container env, /health check", async () => {
    const doc = parse(await read("compose.yaml"));
    expect(Object.keys(doc.services)).toEqual(SERVERS);
    SERVERS.forEach((s, i) => {
      const svc = doc.services[s];
      expect(svc.build).toEqual({ context: `./server-${s}` });
      expect(svc.ports).toEqual([`${8000 + i}:8000`]);
      expect(svc.env_file).toEqual([{ path: `./server-${s}/.env`, required: false }]);
      expect(svc.environment).toEqual({ HOST: "0.0.0.0", PORT: "8000", MCP_TRANSPORT: "http" });
      expect(svc.healthcheck.test.join(" ")).toContain("http://127.0.0.1:8000/health");
    });
  });

  it("is valid under the compose-spec JSON schema, which rejects a misspelt key", async () => {
    const doc = parse(await read("compose.yaml"));
    expect(await validateCompose(doc)).toEqual([]);
    doc.services.ops.helthcheck = doc.services.ops.healthcheck;
    expect((await validateCompose(doc)).join("\n")).toMatch(/additional properties/);
  });

  it("is read by Debian's docker-compose (config): every service, context, port and health check", async () => {
    // docker-compose 1.29 (Debian 12) predates the long env_file form (path + required, Compose
    // 2.24): it reads a copy with that one key in its short form, the servers' .env files present.
    const text = (await read("compose.yaml")).replace(/env_file:\n\s+- path: (\S+)\n\s+required: false/g, "env_file:\n      - $1");
    expect(text).not.toMatch(/^\s+required:/m);
    for (const s of SERVERS) await writeFile(path.join(root, `server-${s}`, ".env"), "LOG_LEVEL=DEBUG\n");
    const copy = path.join(root, "compose-v1.yaml");
    await writeFile(copy, text);
    const { stdout } = await execFileP("docker-compose", ["-f", copy, "config"], { cwd: root });
    const cfg = parse(stdout);
    expect(Object.keys(cfg.services).sort()).toEqual([...SERVERS].sort());
    SERVERS.forEach((s, i) => {
      const svc = cfg.services[s];
      expect(svc.build.context).toBe(path.join(root, `server-${s}`));
      expect(svc.ports).toEqual([{ target: 8000, published: 8000 + i }]);
      expect(svc.environment).toMatchObject({ HOST: "0.0.0.0", PORT: "8000", MCP_TRANSPORT: "http", LOG_LEVEL: "DEBUG" });
      expect(svc.healthcheck.test.join(" ")).toContain("/health");
    });
    // And it can fail: a port that is not a port.
    await writeFile(copy, text.replace('"8001:8000"', '"80x1:8000"'));
    await expect(execFileP("docker-compose", ["-f", copy, "config"], { cwd: root })).rejects.toThrow(/port|invalid/i);
  });
});

describe("kustomization.yaml", () => {
  it("kubectl kustomize renders every server's objects, HPAs included, valid under kubernetes-validate --strict", async () => {
    const { stdout } = await execFileP("kubectl", ["kustomize", root]);
    const objs = parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);
    const names = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    const want = SERVERS.flatMap((s) => [`ConfigMap/server-${s}-config`, `Deployment/server-${s}`, `HorizontalPodAutoscaler/server-${s}`, `Service/server-${s}`]).sort();
    expect(names).toEqual(want);
    // The autoscalers own the replica counts.
    for (const d of objs.filter((o) => o.kind === "Deployment")) expect(d.spec).not.toHaveProperty("replicas");
    for (const h of objs.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
      expect(h.apiVersion).toBe("autoscaling/v2");
      expect(h.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: h.metadata.name });
      expect(h.spec.minReplicas).toBe(1);
      expect(h.spec.maxReplicas).toBe(3);
      expect(h.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
    }
    const all = path.join(parent, "all.yaml");
    await writeFile(all, stdout);
    const kv = await execFileP(KUBE_VALIDATE, ["--strict", "-k", KUBERNETES_VERSION, all]);
    expect((kv.stdout + kv.stderr).split("\n").filter((l) => l.includes(" passed for resource "))).toHaveLength(want.length);
  });
});

describe("add-server and the manifest's port:", () => {
  it("add-server adds the new server to both files; one edited by hand is left as it is, with a warning", async () => {
    const res = await runCli(["add-server", "payments", "--cwd", root, "--allow-dirty"], { cwd: parent });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^UPDATE\s+demo\/compose\.yaml$/m);
    expect(res.stdout).toMatch(/^UPDATE\s+demo\/kustomization\.yaml$/m);
    expect(parse(await read("compose.yaml")).services.payments.ports).toEqual(["8003:8000"]);
    expect(parse(await read("kustomization.yaml")).resources).toContain("server-payments/hpa.yaml");
    const edited = (await read("compose.yaml")) + "  db:\n    image: postgres:17\n";
    await writeFile(path.join(root, "compose.yaml"), edited);
    const next = await runCli(["add-server", "audit", "--cwd", root, "--allow-dirty"], { cwd: parent });
    expect(next.code, next.stderr).toBe(0);
    expect(await read("compose.yaml")).toBe(edited);
    expect(next.stdout + next.stderr).toMatch(/compose\.yaml is not as create-mcp-monorepo wrote it .*left as it is/);
    expect(parse(await read("kustomization.yaml")).resources).toContain("server-audit/k8s.yaml");
  });

  it("a server's port: wins over its index, and a port two servers share is refused", async () => {
    const manifest = await read("mcp-monorepo.yaml");
    await writeFile(path.join(root, "mcp-monorepo.yaml"), manifest.replace("    folder: server-billing\n", "    folder: server-billing\n    port: 9100\n"));
    await writeFile(path.join(root, "compose.yaml"), "");
    const res = await runCli(["add-target", "docker", "--cwd", root, "--allow-dirty"], { cwd: parent });
    // An empty compose.yaml is the user's: left alone (nothing else to add: a no-op that warns).
    // Without it, add-target writes it anew.
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^warning: compose\.yaml is not as create-mcp-monorepo wrote it/);
    expect(await read("compose.yaml")).toBe("");
    await execFileP("rm", [path.join(root, "compose.yaml")]);
    const again = await runCli(["add-target", "docker", "--cwd", root, "--allow-dirty"], { cwd: parent });
    expect(again.code, again.stderr).toBe(0);
    expect(parse(await read("compose.yaml")).services.billing.ports).toEqual(["9100:8000"]);
    await writeFile(path.join(root, "mcp-monorepo.yaml"), manifest.replace("    folder: server-billing\n", "    folder: server-billing\n    port: 8000\n"));
    const clash = await runCli(["check", "--cwd", root], { cwd: parent });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/mcp-monorepo\.yaml:\d+: servers\.1\.port: port 8000 is also the port of server "ops"/);
  });
});
