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
