import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkJson, cli, copyFixture, tempDir } from "./helpers.js";

// server-layout findings, and server-object edge cases beyond seed 002's snippets.

async function server(root: string, folder: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const abs = path.join(root, folder, ...name.split("/"));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
}

describe("server-layout", () => {
  it("a manifest entry without its folder is one error; a server folder missing from the manifest is a warning", async () => {
    const dir = await copyFixture("python-version/docker");
    const manifest = path.join(dir, "mcp-monorepo.yaml");
    await writeFile(manifest, (await readFile(manifest, "utf8")) + [
      "  - name: gone",
      "    description: Deleted by hand.",
      "    folder: server-gone",
      "    entrypoint: server-gone/src/server.py:mcp",
      "    requirements: server-gone/requirements.txt",
      "    transport: http",
      "",
    ].join("\n"));
    await server(dir, "server-rogue", { "src/server.py": "from fastmcp import FastMCP\nmcp = FastMCP('r')\n", "requirements.txt": "fastmcp\n" });
    const { code, json } = await checkJson(dir);
    expect(code).toBe(1);
    expect(json.findings.map((f) => `${f.severity}:${f.server}:${f.file}`)).toEqual(["error:gone:server-gone/", "warning:null:server-rogue/src/server.py"]);
    const human = await cli(["check", "--cwd", dir]);
    expect(human.stdout).toContain("(monorepo)\n  warning server-rogue/src/server.py server-rogue/ looks like a server but is not in mcp-monorepo.yaml");
    // --server narrows the check to listed servers, so the monorepo-wide warning is left out.
    expect((await checkJson(dir, ["--server", "new"])).json.findings).toEqual([]);
  });

  it("a manifest entrypoint that is missing, and a missing requirements.txt", async () => {
    const dir = await copyFixture("python-version/docker");
    await rm(path.join(dir, "server-new", "requirements.txt"));
    await rm(path.join(dir, "server-new", "fastmcp.json"));
    await rm(path.join(dir, "server-new", "src", "server.py"));
    const { json } = await checkJson(dir);
    expect(json.findings.map((f) => `${f.rule}:${f.file}`)).toEqual(["server-layout:server-new/requirements.txt", "server-layout:server-new/src/server.py"]);
    expect(json.findings[1]!.message).toContain("named by mcp-monorepo.yaml");
  });
});

describe("manifest and fastmcp.json disagree", () => {
  it("warns when fastmcp.json runs another file than the manifest deploys; the manifest's file is the one checked", async () => {
    const dir = await copyFixture("python-version/docker");
    const json = path.join(dir, "server-new", "fastmcp.json");
    await writeFile(json, (await readFile(json, "utf8")).replace('"path": "src/server.py"', '"path": "src/app.py"').replace('"entrypoint": "mcp"', '"entrypoint": "application"'));
    await writeFile(path.join(dir, "server-new", "src", "app.py"), "from fastmcp import FastMCP\n\napplication = FastMCP('a')\n");
    const r = await checkJson(dir);
    expect(r.json.findings).toMatchObject([{ rule: "fastmcp-json", severity: "warning", file: "server-new/fastmcp.json", line: 5 }]);
    expect(r.json.findings[0]!.message).toContain("source.path names server-new/src/app.py, but mcp-monorepo.yaml deploys server-new/src/server.py");
  });
});

describe("server-object edge cases", () => {
  it("accepts an instance set through `global` by a function called at module level, an imported instance, and `server`/`app` names", async () => {
    const dir = await tempDir();
    const req = { "requirements.txt": "fastmcp>=4.0,<5\n" };
    await server(dir, "server-global", { ...req, "src/server.py": "from fastmcp import FastMCP\n\nmcp = None\n\n\ndef init():\n    global mcp\n    mcp = FastMCP('g')\n\n\ninit()\n" });
    await server(dir, "server-imported", { ...req, "src/server.py": "from app_impl import mcp\n", "src/app_impl.py": "from fastmcp import FastMCP\n\nmcp = FastMCP('i')\n" });
    await server(dir, "server-app", { ...req, "src/server.py": "import fastmcp\n\napp = fastmcp.FastMCP('a')\n" });
    const { json } = await checkJson(dir);
    expect(json.findings).toEqual([]);
  });

  it("rejects a factory stored instead of called, and None that is only replaced under the main guard", async () => {
    const dir = await tempDir();
    const req = { "requirements.txt": "fastmcp>=4.0,<5\n" };
    await server(dir, "server-uncalled", { ...req, "src/server.py": "from fastmcp import FastMCP\n\n\ndef create_server():\n    return FastMCP('u')\n\n\nmcp = create_server\n" });
    await server(dir, "server-none", { ...req, "src/server.py": "from fastmcp import FastMCP\n\nmcp = None\n\nif __name__ == '__main__':\n    mcp = FastMCP('n')\n    mcp.run()\n" });
    const { json } = await checkJson(dir);
    expect(json.findings.map((f) => `${f.server}@${f.line}`)).toEqual(["server-none@6", "server-uncalled@8"]);
    expect(json.findings[0]!.message).toContain('created only inside `if __name__ == "__main__"`');
    expect(json.findings[1]!.fix).toBe("call it: `mcp = create_server()`");
  });
});

describe("discovery of real layouts (issue 11)", () => {
  const SERVER = 'from fastmcp import FastMCP\n\nmcp = FastMCP(name="x")\n';
  const REQ = "fastmcp>=4.0,<5\n";
  async function put(root: string, files: Record<string, string>): Promise<void> {
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    }
  }

  it("finds <folder>/server.py, src/<pkg>/server.py, *.fastmcp.json folders and pyproject-only servers", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, ".git"));
    await put(dir, {
      "flat/server.py": SERVER,
      "flat/requirements.txt": REQ,
      "packaged/src/weather/server.py": SERVER,
      "packaged/pyproject.toml": '[project]\nname = "weather"\nversion = "0.1.0"\ndependencies = [\n  "fastmcp>=4.0,<5",\n  "httpx>=0.27",\n]\n',
      "configured/app/main.py": SERVER,
      "configured/prod.fastmcp.json": '{"source": {"path": "app/main.py"}, "environment": {"dependencies": ["fastmcp>=4.0,<5"]}}\n',
      "notes/README.md": "not a server\n",
    });
    const { code, json } = await checkJson(dir, ["--offline"]);
    expect(json.servers).toEqual(["configured", "flat", "packaged"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it("a single server at the repository root (server.py + pyproject.toml); pyproject dependencies are checked like requirements.txt", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, ".git"));
    await put(dir, {
      "server.py": SERVER + "import yaml\nimport requests\n",
      "pyproject.toml": '[project]\nname = "one"\nversion = "0.1.0"\ndependencies = ["fastmcp>=4.0,<5", "git+https://github.com/x/y.git"]\n',
    });
    const { json } = await checkJson(dir, ["--offline"]);
    expect(json.servers).toEqual([path.basename(dir)]);
    expect(json.findings.map((f) => `${f.rule}:${f.severity}:${f.file}:${f.line}`)).toEqual([
      "pypi-only:error:pyproject.toml:4",
      "undeclared-dependency:warning:server.py:4", // yaml: installed by fastmcp
      "undeclared-dependency:error:server.py:5", // requests
    ]);
  });

  it("a package folder next to the root's pyproject.toml (`<pkg>/server.py`), with imports of the package itself local", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, ".git"));
    await put(dir, {
      "watch/server.py": SERVER + "from watch.tools import add\n",
      "watch/tools.py": "def add() -> None:\n    pass\n",
      "tests/test_server.py": "import pytest\n",
      "pyproject.toml": '[project]\nname = "watch"\nversion = "0.1.0"\ndependencies = ["fastmcp>=4.0,<5"]\n',
    });
    const { json } = await checkJson(dir, ["--offline"]);
    expect(json.servers).toEqual([path.basename(dir)]);
    // Discovered as one server; `from watch.tools import add` inside watch/server.py does not load
    // (`fastmcp inspect watch/server.py`, FastMCP 4.2.3: "No module named 'watch'"), and this
    // pyproject.toml has no [build-system] to install the package: a path-import error.
    expect(json.findings.map((f) => `${f.rule}:${f.severity}@${f.file}:${f.line}`)).toEqual(["path-import:error@watch/server.py:4"]);
  });

  it("stops at the .git boundary instead of linting a sibling repository", async () => {
    const dir = await tempDir();
    await put(dir, { "sibling/server-a/src/server.py": SERVER, "sibling/server-a/requirements.txt": REQ, "mine/docs/index.md": "x\n" });
    await mkdir(path.join(dir, "mine", ".git"));
    const r = await cli(["check", "--cwd", path.join(dir, "mine", "docs")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`up to the repository root ${path.join(dir, "mine")}`);
  });

  // An empty folder beside other projects (as in /tmp) made check lint its siblings: found by the full suite.
  it("does not adopt sibling server folders of an unrelated folder outside any repository", async () => {
    const dir = await tempDir();
    await put(dir, { "server-a/src/server.py": SERVER, "server-a/requirements.txt": REQ, "empty/.keep": "" });
    const r = await cli(["check", "--cwd", path.join(dir, "empty")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no mcp-monorepo.yaml and no server folders/);
    // From inside a server folder the walk still finds the monorepo it belongs to.
    const inside = await cli(["check", "--cwd", path.join(dir, "server-a", "src")]);
    expect(inside.stdout).toContain("server-a");
  });
});
