// docker and k8s artefacts as real tools judge them: hadolint (no warnings), kubernetes-validate
// --strict against a current Kubernetes for every object, and the values seed 001 asks for.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { readDockerfile } from "../../src/check/dockerfile.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { checkJson } from "../check/helpers.js";
import { VENV_BIN } from "../helpers/python.js";

const execFileP = promisify(execFile);
const HADOLINT = path.join(VENV_BIN, "hadolint");
const KUBE_VALIDATE = path.join(VENV_BIN, "kubernetes-validate");
/** A current Kubernetes release (the newest schemas kubernetes-validate 1.37 ships). */
const KUBERNETES_VERSION = "1.37.0";
const SERVERS = ["ops", "billing"];
let root: string;

async function hadolint(file: string): Promise<{ code: number; out: string }> {
  return execFileP(HADOLINT, ["--no-color", "--failure-threshold", "style", file]).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, out: e.stdout ?? "" }),
  );
}

beforeAll(async () => {
  const parent = await tempDir("mcpm-artefacts-");
  const res = await runCli(["demo", "--yes", "--no-git", "--python", "3.13", "--server", "ops", "--target", "docker", "--target", "k8s", "--target", "mcpb"], { cwd: parent });
  expect(res.code, res.stderr).toBe(0);
  root = path.join(parent, "demo");
  // A second server with secrets in its .env.example: one by name, one by the [secret] marker.
  expect((await runCli(["add-server", "billing", "--cwd", root, "--allow-dirty"], { cwd: parent })).code).toBe(0);
  const env = path.join(root, "server-billing", ".env.example");
  await writeFile(env, (await readFile(env, "utf8")) + "\n# Billing provider credentials.\nSTRIPE_API_KEY=\n# Webhook signing value [secret]\nWEBHOOK_SIGNING=changeme\n");
  // Regenerate billing's k8s.yaml from it (add-target writes only missing files of listed targets).
  await execFileP("rm", [path.join(root, "server-billing", "k8s.yaml")]);
  const again = await runCli(["add-target", "k8s", "--cwd", root, "--allow-dirty"], { cwd: parent });
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toMatch(/^CREATE\s+demo\/server-billing\/k8s\.yaml$/m);
});

describe.each(SERVERS)("server-%s Dockerfile", (name) => {
  const file = () => path.join(root, `server-${name}`, "Dockerfile");

  it("passes hadolint with no warnings (not even style)", async () => {
    const r = await hadolint(file());
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("has the instructions the docker target promises", async () => {
    const text = await readFile(file(), "utf8");
    const f = readDockerfile(text);
    expect(f.from?.image).toBe("python:3.13-slim");
    expect(f.env.PORT).toBe("8000");
    expect(f.env.HOST).toBe("0.0.0.0");
    expect(f.expose).toEqual([8000]);
    expect(f.user).toBe("10001");
    expect(f.cmd?.value).toEqual(["python", "src/asgi.py"]);
    expect(f.healthcheck?.command).toEqual(expect.arrayContaining(["python", "-c"]));
    expect((f.healthcheck!.command as string[]).join(" ")).toContain("/health");
    expect((f.healthcheck!.command as string[]).join(" ")).not.toMatch(/curl|wget/);
    // Only requirements.txt is installed, without a pip cache; only src/ is copied besides it.
    expect(text.match(/^RUN .*$/gm)).toEqual(["RUN pip install --no-cache-dir -r requirements.txt", "RUN useradd --system --no-log-init --uid 10001 --no-create-home app"]);
    expect(text.match(/^COPY .*$/gm)).toEqual(["COPY requirements.txt ./", "COPY src/ ./src/"]);
  });

  it(".dockerignore keeps .env files (not .env.example), .venv, tests, caches and bundles out", async () => {
    const lines = (await readFile(path.join(root, `server-${name}`, ".dockerignore"), "utf8")).split("\n");
    for (const p of [".env", ".env.*", "!.env.example", ".venv", "tests", "**/__pycache__", "*.mcpb"]) expect(lines).toContain(p);
  });
});

describe("hadolint can fail", () => {
  it("reports a Dockerfile with a pip cache and an unpinned base image", async () => {
    const bad = path.join(await tempDir("mcpm-hadolint-"), "Dockerfile");
    await writeFile(bad, "FROM python\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCMD python src/asgi.py\n");
    const r = await hadolint(bad);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/DL3006/); // untagged image
    expect(r.out).toMatch(/DL3042/); // pip without --no-cache-dir
  });
});

describe.each(SERVERS)("server-%s k8s.yaml", (name) => {
  const file = () => path.join(root, `server-${name}`, "k8s.yaml");
  const objects = async () => parseAllDocuments(await readFile(file(), "utf8")).map((d) => d.toJS() as Record<string, any>).filter(Boolean);

  it(`is valid for Kubernetes ${KUBERNETES_VERSION} under kubernetes-validate --strict, every object`, async () => {
    const { stdout, stderr } = await execFileP(KUBE_VALIDATE, ["--strict", "-k", KUBERNETES_VERSION, file()]);
    const passed = (stdout + stderr).split("\n").filter((l) => l.includes("passed"));
    expect(passed.map((l) => /resource (\S+)/.exec(l)?.[1])).toEqual([`configmap/server-${name}-config`, `deployment/server-${name}`, `service/server-${name}`]);
  });

  it("has seed 001's resources, probes on /health allowing >= 60 s to start, a non-root context and the Dockerfile's command", async () => {
    const objs = await objects();
    const dep = objs.find((o) => o.kind === "Deployment")!;
    const c = dep.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1000m", memory: "512Mi" } });
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) expect(c[probe].httpGet).toEqual({ path: "/health", port: "http" });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold + (c.startupProbe.initialDelaySeconds ?? 0)).toBeGreaterThanOrEqual(60);
    expect(c.ports).toEqual([{ name: "http", containerPort: 8000 }]);
    expect(dep.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    const docker = readDockerfile(await readFile(path.join(root, `server-${name}`, "Dockerfile"), "utf8"));
    expect(c.command).toEqual(docker.cmd!.value);
    const svc = objs.find((o) => o.kind === "Service")!;
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
  });

  it("supplies every .env.example variable: non-secrets from the ConfigMap (container HOST/PORT), secrets by reference only", async () => {
    const objs = await objects();
    const cm = objs.find((o) => o.kind === "ConfigMap")!;
    const c = objs.find((o) => o.kind === "Deployment")!.spec.template.spec.containers[0];
    expect(c.envFrom).toEqual([{ configMapRef: { name: cm.metadata.name } }]);
    expect(cm.data).toMatchObject({ HOST: "0.0.0.0", PORT: "8000", LOG_LEVEL: "INFO", API_BASE_URL: "https://api.example.com" });
    expect(objs.some((o) => o.kind === "Secret")).toBe(false);
    if (name === "billing") {
      expect(cm.data).not.toHaveProperty("STRIPE_API_KEY");
      expect(cm.data).not.toHaveProperty("WEBHOOK_SIGNING");
      expect(JSON.stringify(cm)).not.toContain("changeme");
      expect(c.env).toEqual([
        { name: "STRIPE_API_KEY", valueFrom: { secretKeyRef: { name: "server-billing-secrets", key: "STRIPE_API_KEY" } } },
        { name: "WEBHOOK_SIGNING", valueFrom: { secretKeyRef: { name: "server-billing-secrets", key: "WEBHOOK_SIGNING" } } },
      ]);
    } else expect(c.env).toBeUndefined();
  });
});

describe("kubernetes-validate --strict can fail", () => {
  it("rejects a misspelt field in a Deployment", async () => {
    const text = (await readFile(path.join(root, "server-ops", "k8s.yaml"), "utf8")).replace("readinessProbe:", "readynessProbe:");
    const bad = path.join(await tempDir("mcpm-kv-"), "k8s.yaml");
    await writeFile(bad, text);
    const r = await execFileP(KUBE_VALIDATE, ["--strict", "-k", KUBERNETES_VERSION, bad]).then(() => 0, (e: { code?: number; stdout?: string }) => e.code ?? 1);
    expect(r).not.toBe(0);
  });
});

describe("the whole monorepo", () => {
  it("no artefact cites an internal document label", async () => {
    for (const s of SERVERS) for (const f of ["Dockerfile", ".dockerignore", "k8s.yaml", ".mcpbignore"]) {
      expect(await readFile(path.join(root, `server-${s}`, f), "utf8"), f).not.toMatch(/seed \d|\bRCA\b|deployment learnings|BUILD-FAIL/i);
    }
  });

  it("has zero findings under check --strict (docker, k8s, mcpb; Python 3.13 is fine off FastMCP Cloud)", async () => {
    const { code, json } = await checkJson(root, ["--strict"]);
    expect(json.targets).toEqual(["docker", "k8s", "mcpb"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});
