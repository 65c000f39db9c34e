// check learns the docker and k8s targets (issue 9): one pass fixture (a generated server with a
// secret in its .env.example) and one fail fixture with a server per broken promise
// (test/fixtures/check/targets/{pass,fail}, made by the CLI and then edited by hand).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkJson, FIXTURES, ruleLines } from "./helpers.js";

const fixture = (...p: string[]) => path.join(FIXTURES, "targets", ...p);

describe("docker and k8s rules", () => {
  it("pass: a generated container server (Python 3.13, a *_TOKEN secret) has zero findings under --strict", async () => {
    const { code, json } = await checkJson(fixture("pass"), ["--strict"]);
    expect(json.targets).toEqual(["docker", "k8s"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it("pass: check --target docker accepts a Python newer than FastMCP Cloud's; --target fastmcp-cloud does not", async () => {
    expect((await checkJson(fixture("pass"), ["--target", "docker", "--strict"])).json.findings).toEqual([]);
    const cloud = await checkJson(fixture("pass"), ["--target", "fastmcp-cloud"]);
    expect(cloud.json.findings.map((f) => f.rule)).toEqual(["python-version"]);
  });

  describe("fail", async () => {
    const { code, json } = await checkJson(fixture("fail"));
    const of = (server: string) => json.findings.filter((f) => f.server === server);
    const text = (server: string) => of(server).map((f) => `${f.message} / ${f.fix}`).join("\n");

    it("fails, and every finding has a rule id, a message and a fix", () => {
      expect(code).toBe(1);
      for (const f of json.findings) {
        expect(f.message.length).toBeGreaterThan(10);
        expect(f.fix.length).toBeGreaterThan(10);
        expect(`${f.message} ${f.fix}`).not.toMatch(/seed \d|RCA|learnings/);
      }
    });

    it("target-files: missing Dockerfile and k8s.yaml are errors, a missing .dockerignore a warning", () => {
      expect(of("nofiles").map((f) => `${f.rule} ${f.severity} ${f.file}`)).toEqual([
        "target-files warning server-nofiles/.dockerignore",
        "target-files error server-nofiles/Dockerfile",
        "target-files error server-nofiles/k8s.yaml",
      ]);
      expect(of("nofiles")[1]!.fix).toContain("mcp-monorepo add-target docker");
    });

    it("docker-python: the image's Python differs from the manifest's", () => {
      expect(ruleLines(json.findings, "pyver")).toEqual(["docker-python@5"]);
      expect(text("pyver")).toContain('FROM python:3.11-slim runs Python 3.11, but mcp-monorepo.yaml says python: "3.13"');
    });

    it("docker-serve: wrong EXPOSE, loopback HOST, root user, shell-form CMD; a CMD running a missing file", () => {
      expect(ruleLines(json.findings, "serve")).toEqual(["docker-serve@-", "docker-serve@7", "docker-serve@24", "docker-serve@30"]);
      expect(text("serve")).toContain("the container runs as root (no USER)");
      expect(text("serve")).toContain("ENV HOST=127.0.0.1 binds loopback");
      expect(text("serve")).toContain("EXPOSE 9000 does not include the port the server listens on ($PORT 8000)");
      expect(of("serve").find((f) => f.line === 30)).toMatchObject({ severity: "warning" });
      expect(text("serve")).toContain("is in shell form");
      expect(ruleLines(json.findings, "cmdfile")).toEqual(["docker-serve@31"]);
      expect(text("cmdfile")).toContain("CMD runs src/main.py, which does not exist in server-cmdfile/");
    });

    it("health-route: no /health route in server.py; a curl HEALTHCHECK on a slim image", () => {
      expect(ruleLines(json.findings, "health")).toEqual(["health-route@28", "health-route@-"]);
      expect(of("health").map((f) => f.file)).toEqual(["server-health/Dockerfile", "server-health/src/server.py"]);
      expect(text("health")).toContain("curl/wget, which python:*-slim images do not have");
    });

    it("docker-ignore: .env not excluded", () => {
      expect(of("ignore").map((f) => `${f.rule} ${f.severity}`)).toEqual(["docker-ignore warning"]);
    });

    it("k8s-env: a .env.example variable not supplied; a loopback HOST in the ConfigMap", () => {
      expect(ruleLines(json.findings, "env")).toEqual(["k8s-env@15", "k8s-env@44"]);
      expect(text("env")).toContain("API_BASE_URL (server-env/.env.example:16) is not supplied to the container");
      expect(text("env")).toContain("sets HOST=127.0.0.1");
    });

    it("k8s-secret: a secret value in the ConfigMap and a committed Secret with values", () => {
      expect(ruleLines(json.findings, "secret")).toEqual(["k8s-secret@21", "k8s-secret@107"]);
      expect(text("secret")).toContain("ConfigMap server-secret-config holds API_TOKEN, a secret");
    });

    it("k8s-probes: a startupProbe allowing 30 s, a readiness probe off /health", () => {
      expect(ruleLines(json.findings, "probes")).toEqual(["k8s-probes@66", "k8s-probes@73"]);
      expect(text("probes")).toContain("startupProbe allows 30 s to start");
      expect(text("probes")).toContain("readinessProbe does not probe GET /health (it asks /)");
    });

    it("k8s-resources: a CPU limit below 500m", () => {
      expect(ruleLines(json.findings, "resources")).toEqual(["k8s-resources@58"]);
    });

    it("k8s-command: the container command differs from the Dockerfile's CMD", () => {
      expect(ruleLines(json.findings, "command")).toEqual(["k8s-command@49"]);
      expect(text("command")).toContain('differs from the Dockerfile\'s CMD ["python","src/asgi.py"]');
    });

    it("nothing else", () => {
      const rules = new Set(json.findings.map((f) => f.rule));
      expect([...rules].sort()).toEqual(["docker-ignore", "docker-python", "docker-serve", "health-route", "k8s-command", "k8s-env", "k8s-probes", "k8s-resources", "k8s-secret", "target-files"]);
    });
  });

  it("the rules stay quiet for targets not checked", async () => {
    const { json } = await checkJson(fixture("fail"), ["--target", "mcpb"]);
    expect(json.findings.filter((f) => f.rule.startsWith("docker") || f.rule.startsWith("k8s") || f.rule === "target-files" || f.rule === "health-route")).toEqual([]);
  });
});
