// `sync` keeps a pristine k8s.yaml in step with its server's .env.example (src/sync/k8s-follow.ts):
// a new shared variable reaches the ConfigMap, a new shared secret the Deployment's secretKeyRef;
// a k8s.yaml edited by hand is never rewritten (check's k8s-env rule names what it lacks).
import * as fs from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { runCli, tempDir } from "../helpers/cli.js";

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function monorepo(targets: string[]): Promise<string> {
  const parent = await tempDir("mcpm-k8s-follow-");
  made.push(parent);
  const r = await runCli(["demo", "--yes", "--no-git", ...targets.flatMap((t) => ["--target", t])], { cwd: parent });
  expect(r.code, r.stderr).toBe(0);
  return path.join(parent, "demo");
}

const env = { NO_COLOR: "1", PATH: process.env.PATH };
const k8sObjects = async (file: string) => parseAllDocuments(await fs.readFile(file, "utf8")).map((d) => d.toJS() as { kind: string; data?: Record<string, string>; spec?: unknown });

describe("sync and k8s.yaml", () => {
  it("a pristine k8s.yaml follows a new shared variable and a new shared secret; check --strict passes; a second sync has nothing to do", async () => {
    const root = await monorepo(["k8s"]);
    await fs.appendFile(path.join(root, "shared", ".env.example"), "\n# Region the servers run in.\nREGION=eu-west-1\n# Token of the upstream API.\nUPSTREAM_TOKEN=\n");
    const sync = await runCli(["sync", "--cwd", root], { cwd: root, env });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    for (const name of ["ops", "customer", "finance"]) expect(sync.stdout).toContain(`UPDATE    server-${name}/k8s.yaml`);
    const objects = await k8sObjects(path.join(root, "server-ops", "k8s.yaml"));
    const configMap = objects.find((o) => o.kind === "ConfigMap")!;
    expect(configMap.data!.REGION).toBe("eu-west-1");
    expect(configMap.data).not.toHaveProperty("UPSTREAM_TOKEN");
    const deployment = JSON.stringify(objects.find((o) => o.kind === "Deployment"));
    expect(deployment).toContain('"secretKeyRef":{"name":"server-ops-secrets","key":"UPSTREAM_TOKEN"}');
    const lint = await runCli(["check", "--strict", "--offline", "--cwd", root], { cwd: root, env });
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const again = await runCli(["sync", "--check", "--cwd", root], { cwd: root, env });
    expect(again.code, again.stdout).toBe(0);
    expect(parseYaml(await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8")).targets).toContain("k8s");
  });

  it("a k8s.yaml edited by hand is left byte for byte as it is, and check --strict names the variable it lacks", async () => {
    const root = await monorepo(["k8s"]);
    const edited = path.join(root, "server-customer", "k8s.yaml");
    await fs.writeFile(edited, `# tuned by hand\n${await fs.readFile(edited, "utf8")}`);
    const before = await fs.readFile(edited);
    await fs.appendFile(path.join(root, "shared", ".env.example"), "\n# A feature flag.\nNEW_FLAG=on\n");
    const json = JSON.parse((await runCli(["sync", "--check", "--json", "--cwd", root], { cwd: root, env })).stdout) as { servers: Array<{ name: string; kept: Array<{ path: string }> }> };
    expect(json.servers.find((s) => s.name === "customer")!.kept.map((k) => k.path)).toEqual(["server-customer/k8s.yaml"]);
    expect(json.servers.find((s) => s.name === "ops")!.kept).toEqual([]);
    const sync = await runCli(["sync", "--cwd", root], { cwd: root, env });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(sync.stdout).toContain("UPDATE    server-ops/k8s.yaml");
    expect(sync.stdout).toContain("  KEPT      server-customer/k8s.yaml  (edited by hand, so not updated for the new .env.example: add what it lacks (check's k8s-env rule names it))");
    expect(sync.stdout).not.toContain("UPDATE    server-customer/k8s.yaml");
    expect((await fs.readFile(edited)).equals(before)).toBe(true);
    const lint = await runCli(["check", "--strict", "--offline", "--cwd", root], { cwd: root, env });
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/server-customer\/k8s\.yaml:\d+ NEW_FLAG .* \[k8s-env\]/);
    expect(lint.stdout).not.toMatch(/server-ops\/k8s\.yaml.*\[k8s-env\]/);
  });

  it("without the k8s target nothing named k8s.yaml is written, even if one is there", async () => {
    const root = await monorepo([]);
    const stray = path.join(root, "server-ops", "k8s.yaml");
    await fs.writeFile(stray, "kind: ConfigMap\n");
    await fs.appendFile(path.join(root, "shared", ".env.example"), "\nREGION=eu-west-1\n");
    const sync = await runCli(["sync", "--cwd", root], { cwd: root, env });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(sync.stdout).not.toContain("k8s.yaml");
    expect(await fs.readFile(stray, "utf8")).toBe("kind: ConfigMap\n");
  });
});
