// Pure functions of the targets: .env.example reading, Dockerfile facts, the manifest splice.
import { describe, expect, it } from "vitest";
import { addTargetsToManifestText } from "../../src/monorepo/manifest-targets.js";
import { isRootUser, pythonOfImage, readDockerfile } from "../../src/check/dockerfile.js";
import { servedFile, servesMcpPath, hasHealthRoute } from "../../src/check/rules/docker.js";
import { millicores } from "../../src/check/rules/k8s.js";
import { parseManifest } from "../../src/monorepo/manifest.js";
import { renderDeploymentTable } from "../../src/scaffold/readme.js";
import { parseEnvExample } from "../../src/monorepo/env-example.js";
import { targetTemplateData } from "../../src/scaffold/targets.js";

const MANIFEST = `# my comment
formatVersion: 1
project: demo
python: "3.12"
repository: a/b
branch: main
targets:
  - fastmcp-cloud   # where it runs today
shared: shared
servers:
  - name: ops
    description: Ops.
    folder: server-ops
    entrypoint: server-ops/src/server.py:mcp
    requirements: server-ops/requirements.txt
`;

describe("parseEnvExample", () => {
  it("reads names, defaults and secrets (by name or [secret] marker); commented-out lines are not variables", () => {
    const vars = parseEnvExample('# c\nA=1\nexport B="two # not a comment"\n# API_KEY=commented\nAPI_KEY=\nDB_PASSWORD=x # inline\n# Signing value [secret]\nSIGNING=abc\nPLAIN=v # [secret]\nTOKENIZER=x\nA=3\n');
    expect(vars.map((v) => [v.name, v.value, v.secret])).toEqual([
      ["A", "3", false],
      ["B", "two # not a comment", false],
      ["API_KEY", "", true],
      ["DB_PASSWORD", "x", true],
      ["SIGNING", "abc", true],
      ["PLAIN", "v", true],
      ["TOKENIZER", "x", false],
    ]);
  });

  it("an empty value followed by a comment is empty (the comment is not the default); required blocks and descriptions", () => {
    const vars = parseEnvExample("# Required\n# The region.\nREGION= # [secret] where it runs\nZONE=a\n\n# Optional (defaults shown)\nLEVEL=info # [required] log level\nDEBUG=false\n");
    expect(vars.map((v) => [v.name, v.value, v.secret, v.required, v.description])).toEqual([
      ["REGION", "", true, true, "The region. where it runs"],
      ["ZONE", "a", false, true, ""],
      ["LEVEL", "info", false, true, "log level"],
      ["DEBUG", "false", false, false, ""],
    ]);
  });

  it("a [secret] marker does not leak past a blank line", () => {
    expect(parseEnvExample("# [secret]\n\nX=1\n")[0]!.secret).toBe(false);
  });

  it("container data: overrides HOST/PORT/MCP_TRANSPORT, keeps secrets out of the ConfigMap", () => {
    const d = targetTemplateData({ name: "ops", description: "", folder: "server-ops", title: "Ops", greetingVar: "OPS_GREETING" }, "3.12", "HOST=127.0.0.1\nMCP_TRANSPORT=stdio\nAPI_TOKEN=\nX=1\n");
    expect(d.config).toEqual([{ name: "HOST", value: "0.0.0.0" }, { name: "MCP_TRANSPORT", value: "http" }, { name: "X", value: "1" }, { name: "PORT", value: "8000" }]);
    expect(d.secrets).toEqual([{ name: "API_TOKEN" }]);
  });
});

describe("Dockerfile facts", () => {
  it("reads FROM (last stage), ENV, EXPOSE, USER, CMD (exec/shell) and HEALTHCHECK with first lines", () => {
    const f = readDockerfile('FROM node AS b\nFROM --platform=linux/amd64 python:3.13-slim\nENV A=1 \\\n    PORT=9000\nEXPOSE 9000/tcp\nUSER app\nHEALTHCHECK --interval=5s CMD ["python","-c","x"]\nCMD python app.py\n');
    expect(f.from).toEqual({ image: "python:3.13-slim", line: 2 });
    expect(f.env).toEqual({ A: "1", PORT: "9000" });
    expect(f.lines.env.PORT).toBe(3);
    expect(f.expose).toEqual([9000]);
    expect(f.user).toBe("app");
    expect(f.healthcheck?.command).toEqual(["python", "-c", "x"]);
    expect(f.cmd).toEqual({ value: "python app.py", line: 8 });
  });

  it("python image versions and root users", () => {
    expect(pythonOfImage("python:3.12-slim")).toBe("3.12");
    expect(pythonOfImage("docker.io/library/python:3.13.1-slim-bookworm")).toBe("3.13");
    expect(pythonOfImage("python:slim")).toBeNull();
    expect(pythonOfImage("ghcr.io/x/python:3.12")).toBeNull();
    for (const u of [null, "root", "0", "0:0"]) expect(isRootUser(u)).toBe(true);
    expect(isRootUser("10001")).toBe(false);
  });

  it("what a CMD serves", () => {
    expect(servedFile(["python", "src/asgi.py"])).toBe("src/asgi.py");
    expect(servedFile(["uvicorn", "asgi:app", "--app-dir", "src", "--port", "8000"])).toBe("src/asgi.py");
    expect(servedFile(["python", "-m", "uvicorn", "pkg.app:app"])).toBe("pkg/app.py");
    expect(servedFile(["fastmcp", "run", "fastmcp.json"])).toBeNull();
    expect(servesMcpPath('app = mcp.http_app(path="/mcp", stateless_http=True)')).toBe(true);
    expect(servesMcpPath('app = mcp.http_app(path="/api")')).toBe(false);
    expect(hasHealthRoute('@mcp.custom_route("/health", methods=["GET"])')).toBe(true);
    expect(hasHealthRoute('@mcp.custom_route("/healthz")')).toBe(false);
  });

  it("CPU quantities", () => {
    expect([millicores("250m"), millicores("1"), millicores("0.5"), millicores(2), millicores("lots")]).toEqual([250, 1000, 500, 2000, null]);
  });
});

describe("addTargetsToManifestText", () => {
  it("splices new items after the last target, keeping every other byte (comments included)", () => {
    const loaded = parseManifest(MANIFEST, "/r");
    const { text, spliced } = addTargetsToManifestText(loaded, ["docker", "k8s"]);
    expect(spliced).toBe(true);
    expect(text).toBe(MANIFEST.replace("# where it runs today\n", "# where it runs today\n  - docker\n  - k8s\n"));
  });

  it("falls back to the Document API for a flow list or a missing key, and the data is right either way", () => {
    for (const variant of [MANIFEST.replace("targets:\n  - fastmcp-cloud   # where it runs today\n", "targets: [fastmcp-cloud]\n"), MANIFEST.replace("targets:\n  - fastmcp-cloud   # where it runs today\n", "")]) {
      const { text, spliced } = addTargetsToManifestText(parseManifest(variant, "/r"), ["docker"]);
      expect(spliced).toBe(false);
      expect(text).toContain("# my comment");
      expect(parseManifest(text, "/r").manifest.targets).toEqual(["fastmcp-cloud", "docker"]);
    }
  });
});

describe("renderDeploymentTable", () => {
  it("has FastMCP Cloud's columns only when it is a target, and one column per other target", () => {
    const m = parseManifest(MANIFEST, "/r").manifest;
    expect(renderDeploymentTable(m).split("\n")[1]).toBe("| Server | Description | Repository | Branch | Entrypoint | Requirements | Python | Transport |");
    expect(renderDeploymentTable({ ...m, targets: ["k8s", "docker"] }).split("\n")[1]).toBe("| Server | Description | Docker | Kubernetes | Python | Transport |");
  });
});
