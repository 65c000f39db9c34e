import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byCodeUnit } from "../../src/kernel/compare.js";
import { diffAgainstDisk } from "../../src/monorepo/changes.js";
import { isStrictTemplate, templateKey } from "../../src/scaffold/render.js";
import { precompileTemplates } from "../../src/scaffold/precompile.js";
import { hashTree, runCli, tempDir } from "../helpers/cli.js";
import { BIN, runBin } from "../helpers/faults.js";
import { REPO_ROOT } from "../helpers/python.js";
import { ensureBuilt } from "../sync/build.js";

// Issue 10's start-up work, checked against the real bundle (dist/, built by pretest):
// - `--help`/`--version` alone are printed by the bin shim from dist/start.json, which the build
//   renders by running the bundled CLI: the texts must equal what the CLI prints itself;
// - the bundle renders from templates precompiled at build time with the Handlebars runtime only:
//   every file it writes must equal what the source (which compiles the template files) writes.

let work = "";
beforeAll(async () => {
  await ensureBuilt();
  work = await tempDir("mcpm-start-");
});
afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe("--help and --version from the bin shim", () => {
  it("dist/start.json holds the texts, and the shim prints exactly what the CLI prints", async () => {
    const start = JSON.parse(await fs.readFile(path.join(REPO_ROOT, "dist", "start.json"), "utf8")) as { help: string; version: string };
    const pkg = JSON.parse(await fs.readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect(start.version).toBe(`${pkg.version}\n`);
    for (const [flag, key] of [["--help", "help"], ["-h", "help"], ["--version", "version"], ["-v", "version"]] as const) {
      const fast = await runBin([flag], work);
      const full = await runBin([flag], work, { env: { MCPM_NO_FAST_START: "1" } });
      const inProcess = await runCli([flag], { cwd: work });
      expect(fast.code, flag).toBe(0);
      expect(full.code, flag).toBe(0);
      expect(fast.output, flag).toBe(start[key]);
      expect(full.output, flag).toBe(start[key]);
      expect(inProcess.stdout, flag).toBe(start[key]);
    }
    // The help lists every command, so a new command cannot be missing from the shim's copy.
    for (const cmd of ["create", "add-server", "add-target", "sync", "check", "bundle", "verify"]) expect(start.help).toContain(`  ${cmd} [`);
  });

  it("anything else goes to the CLI (a typo still gets commander's error)", async () => {
    const r = await runBin(["--hepl"], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unknown option '--hepl'/);
    const two = await runBin(["--help", "--version"], work);
    expect(two.code).toBe(0);
  });

  it("a reader that closes the pipe early (`--help | head -1`) is no error", async () => {
    const child = spawn(`"${process.execPath}" "${BIN}" --help | head -1`, { shell: true, cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toBe("Usage: mcp-monorepo [options] [command] [dir]\n");
    expect(err).toBe("");
  });
});

describe("precompiled templates", () => {
  it("the build precompiles every template file and every generator output path", async () => {
    const source = await precompileTemplates(REPO_ROOT);
    const files = (await fs.readdir(path.join(REPO_ROOT, "templates"), { recursive: true })).filter((f) => f.endsWith(".hbs"));
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect(source).toContain(JSON.stringify(templateKey({ file: `templates/${f.split(path.sep).join("/")}` })));
    expect(source).toContain(JSON.stringify(templateKey({ inline: "{{server.folder}}/src/server.py" })));
    expect(isStrictTemplate("templates/targets/k8s/k8s.yaml.hbs")).toBe(true);
    expect(isStrictTemplate("templates/server/src/server.py.hbs")).toBe(false);
  });

  it("the bundle (precompiled, Handlebars runtime) writes byte for byte what the source (compiling) writes", async () => {
    const viaBundle = path.join(work, "bundle");
    const viaSource = path.join(work, "source");
    await fs.mkdir(viaBundle);
    await fs.mkdir(viaSource);
    const create = ["create", "demo", "--yes", "--no-git", "--python", "3.12", "--target", "docker", "--target", "k8s", "--target", "mcpb", "--server", 'ops=Ops "quoted" {{braces}} tools', "--server", "billing"];
    const b = await runBin(create, viaBundle);
    expect(b.code, b.output).toBe(0);
    const s = await runCli(create, { cwd: viaSource });
    expect(s.code, s.stderr).toBe(0);
    // add-server renders the server generator and the root .env.example partial again
    const add = ["add-server", "extra", "--yes", "--description", "Extra <b>tools</b> & more.", "--allow-dirty"];
    const b2 = await runBin(add, path.join(viaBundle, "demo"));
    const s2 = await runCli(add, { cwd: path.join(viaSource, "demo") });
    expect([b2.code, s2.code], b2.output + s2.stderr).toEqual([s2.code, 0]);
    const [hb, hs] = [await hashTree(path.join(viaBundle, "demo")), await hashTree(path.join(viaSource, "demo"))];
    expect(Object.keys(hb).length).toBeGreaterThan(60);
    expect(hb).toEqual(hs);
  });
});

describe("sorted output is the same on every machine", () => {
  it("plans sort paths by code unit, not by the process's locale", async () => {
    const desired = new Map(["b.txt", "_x", "B.txt", ".env", "a/b", "a.b"].map((p) => [p, { content: "x" }]));
    const changes = await diffAgainstDisk(path.join(work, "nowhere"), desired);
    expect(changes.map((c) => c.path)).toEqual([".env", "B.txt", "_x", "a.b", "a/b", "b.txt"]);
    expect(["i", "I", "ı", "İ"].sort(byCodeUnit)).toEqual(["I", "i", "İ", "ı"]);
  });
});
