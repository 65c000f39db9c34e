import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/python.js";
import { ensureBuilt } from "../sync/build.js";

// The bundle's shape (scripts/build.mjs), read from esbuild's metafile of a build into a
// temporary folder (the repository's dist/ is left to the tests that spawn it):
// what `--help` loads, what each command loads, and node-plop working without inquirer.

const execFileP = promisify(execFile);
let outdir = "";
let meta: Metafile;

beforeAll(async () => {
  outdir = await mkdtemp(path.join(tmpdir(), "mcpm-bundle-"));
  // @ts-expect-error plain ESM script without types
  const { bundle } = (await import("../../scripts/build.mjs")) as { bundle: (o: { outdir: string }) => Promise<Metafile> };
  meta = await bundle({ outdir: path.join(outdir, "dist") });
});
afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

/** Output key of a chunk whose name starts with `prefix` (`cli`, `sync-action`, ...). */
function output(prefix: string): string {
  // `cli` is cli.js, not the MCP SDK's client-HASH.js: the name, then the hash if any.
  const name = new RegExp(`^${prefix}(-[A-Z0-9]+)?\\.js$`);
  const key = Object.keys(meta.outputs).find((o) => name.test(path.basename(o)));
  if (!key) throw new Error(`no output ${prefix}*.js in ${Object.keys(meta.outputs).join(", ")}`);
  return key;
}

/** Every output a chunk loads before it runs: itself and its static imports, transitively. */
function staticClosure(start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const o = todo.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    for (const imp of meta.outputs[o]!.imports) if (imp.kind === "import-statement" && !imp.external) todo.push(imp.path);
  }
  return seen;
}

/** npm packages whose code is in the given outputs (`node_modules/.pnpm/x@1/node_modules/x/...` → `x`). */
function packagesIn(outputs: Set<string>): Set<string> {
  const names = new Set<string>();
  for (const o of outputs) {
    for (const input of Object.keys(meta.outputs[o]!.inputs)) {
      const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) names.add(m[1]!);
    }
  }
  return names;
}

describe("the bundle", () => {
  it("imports nothing but node builtins (the package has no runtime dependencies)", () => {
    for (const [o, info] of Object.entries(meta.outputs)) {
      for (const imp of info.imports.filter((i) => i.external)) expect(imp.path, `${o} imports ${imp.path}`).toMatch(/^node:|^[a-z_]+$/);
    }
  });

  it("start-up (--help, --version) loads commander and the option declarations only", () => {
    const startup = staticClosure(output("cli"));
    expect([...packagesIn(startup)]).toEqual(["commander"]);
    const ours = [...startup].flatMap((o) => Object.keys(meta.outputs[o]!.inputs)).filter((i) => i.startsWith("src/"));
    for (const input of ours) expect(input).toMatch(/^src\/(cli|version|commands\/[a-z-]+(?<!-action)|kernel\/(context|defaults|errors))\.ts$/);
  });

  it("each command loads its own modules when it runs, not the others'", () => {
    const create = packagesIn(staticClosure(output("create-action")));
    const sync = packagesIn(staticClosure(output("sync-action")));
    const check = packagesIn(staticClosure(output("check-action")));
    // create: handlebars (its runtime) and zod (zod/mini) now; node-plop on the first render and clack only for prompts
    // (their own chunks); no ajv, no diff.
    expect(create).toContain("handlebars");
    expect(create).toContain("zod");
    for (const pkg of ["ajv", "diff", "node-plop", "@clack/prompts"]) expect(create).not.toContain(pkg);
    // sync: yaml/zod (manifest); diff only when there is a conflict to show.
    for (const pkg of ["node-plop", "handlebars", "ajv", "@clack/prompts", "diff"]) expect(sync).not.toContain(pkg);
    // check: ajv; none of the scaffolding.
    expect(check).toContain("ajv");
    for (const pkg of ["node-plop", "handlebars", "@clack/prompts", "diff"]) expect(check).not.toContain(pkg);
    // add-server, add-target: the scaffolding core; neither loads the MCP SDK nor ajv.
    const addServer = packagesIn(staticClosure(output("add-server-action")));
    const addTarget = packagesIn(staticClosure(output("add-target-action")));
    // verify: the MCP SDK in chunks of their own, loaded by verify's action only.
    const verify = packagesIn(staticClosure(output("verify-action")));
    for (const pkg of ["node-plop", "handlebars", "@clack/prompts", "diff"]) expect(verify).not.toContain(pkg);
    // bundle: the zip writer and ignore rules in chunks of their own (loaded when it builds).
    const bundleCmd = packagesIn(staticClosure(output("bundle-action")));
    for (const cmd of [create, sync, check, addServer, addTarget, verify, bundleCmd]) {
      for (const pkg of ["@modelcontextprotocol/sdk", "yazl", "ignore"]) expect(cmd).not.toContain(pkg);
    }
    for (const pkg of ["node-plop", "handlebars", "diff"]) expect(bundleCmd).not.toContain(pkg);
    for (const cmd of [addServer, addTarget]) for (const pkg of ["ajv", "node-plop"]) expect(cmd).not.toContain(pkg);
  });

  it("bundles the MCP TypeScript SDK (verify's client at run time), reached only from verify's, dev's and list's (--inspect) actions", () => {
    const withSdk = Object.keys(meta.outputs).filter((o) => o.endsWith(".js") && packagesIn(new Set([o])).has("@modelcontextprotocol/sdk"));
    expect(withSdk.length).toBeGreaterThan(0);
    // Every output from which an SDK chunk can be loaded (through any chain of static or dynamic
    // imports) is verify's or dev's action, list's (whose --inspect loads verify's action on demand),
    // or a chunk that is not a command's action (verify's MCP client module); no other command's
    // action reaches it (test and dev build venvs with the lock feature's ensureVenv, not verify's).
    const closure = (start: string) => {
      const seen = new Set<string>();
      const visit = (o: string) => {
        if (seen.has(o)) return;
        seen.add(o);
        for (const i of meta.outputs[o]?.imports ?? []) visit(i.path);
      };
      visit(start);
      return seen;
    };
    const actions = Object.keys(meta.outputs).filter((o) => /-action-[A-Z0-9]+\.js$/.test(path.basename(o)));
    const reaching = actions.filter((o) => withSdk.some((w) => closure(o).has(w)));
    expect(reaching.sort()).toEqual([output("dev-action"), output("list-action"), output("verify-action")].sort());
  });

  it("the CLI's zod is zod/mini, and the MCP SDK's full zod is a copy of its own, reached only from verify", () => {
    const create = staticClosure(output("create-action"));
    const inputs = [...create].flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
    expect(inputs.some((i) => /zod\/v4\/mini\//.test(i))).toBe(true);
    expect(inputs.filter((i) => /zod\/v4\/(classic|locales\/index)/.test(i) || i.startsWith("sdk-zod:"))).toEqual([]);
    const sdkZod = Object.entries(meta.outputs).filter(([, info]) => Object.keys(info.inputs).some((i) => i.startsWith("sdk-zod:") && /zod\/v4\/classic\//.test(i)));
    expect(sdkZod.length).toBeGreaterThan(0);
    for (const [o] of sdkZod) expect(staticClosure(output("create-action")).has(o), o).toBe(false);
  });

  it("leaves inquirer out (node-plop's own prompts are never used)", () => {
    const all = packagesIn(new Set(Object.keys(meta.outputs).filter((o) => o.endsWith(".js"))));
    expect(all).toContain("node-plop");
    for (const pkg of ["inquirer", "rxjs", "@inquirer/core"]) expect(all).not.toContain(pkg);
  });

  it("carries the Handlebars runtime but not its compiler (templates are precompiled), nor node-plop's file actions or resolve", () => {
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(inputs.some((i) => /handlebars\/dist\/cjs\/handlebars\.runtime\.js$/.test(i))).toBe(true);
    expect(inputs.filter((i) => /handlebars\/dist\/cjs\/handlebars\/compiler\//.test(i))).toEqual([]);
    expect(inputs.filter((i) => /node-plop\/src\/actions\/(add|addMany|modify|append)\.js$/.test(i))).toEqual([]);
    expect(inputs.filter((i) => /node_modules\/resolve\//.test(i))).toEqual([]);
    expect(inputs).toContain("scripts/bundle/plop-actions-not-bundled.mjs");
  });

  it("lists every bundled package's license", async () => {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(path.join(outdir, "dist", "THIRD-PARTY-LICENSES.md"), "utf8");
    for (const pkg of ["commander", "handlebars", "node-plop", "zod", "yaml", "ajv", "diff", "@clack/prompts", "@modelcontextprotocol/sdk", "docker-file-parser", "yazl", "ignore"]) expect(text).toContain(`## ${pkg} `);
  });
});

describe("node-plop without inquirer", () => {
  it("every generator takes its data from our prompts, so node-plop's prompts are never reached", async () => {
    const { default: nodePlop } = await import("node-plop");
    const plop = await nodePlop(path.join(REPO_ROOT, "generators", "plopfile.js"), { destBasePath: REPO_ROOT, force: false });
    const names = plop.getGeneratorList().map((g) => g.name);
    expect(names.sort()).toEqual(["monorepo", "server", "target-docker", "target-docker-root", "target-k8s", "target-k8s-root", "target-mcpb"]);
    for (const name of names) expect(plop.getGenerator(name).prompts).toEqual([]);
  });

  it("every generator action is a `render` action, so node-plop's built-in file actions (not bundled) are never reached", async () => {
    const { default: nodePlop } = await import("node-plop");
    const plop = await nodePlop(path.join(REPO_ROOT, "generators", "plopfile.js"), { destBasePath: REPO_ROOT, force: false });
    for (const g of plop.getGeneratorList()) {
      const actions = plop.getGenerator(g.name).actions as Array<{ type: string }>;
      expect(actions.length).toBeGreaterThan(0);
      expect(new Set(actions.map((a) => a.type))).toEqual(new Set(["render"]));
    }
  });
});

describe("the bin shim on an older Node", () => {
  it("prints one line naming the Node it needs and exits 1 before loading the bundle", async () => {
    await ensureBuilt();
    const dir = await mkdtemp(path.join(tmpdir(), "mcpm-oldnode-"));
    try {
      const fake = path.join(dir, "node18.mjs");
      await writeFile(fake, `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "18.19.0" } });\n`);
      const r = await execFileP(process.execPath, ["--import", fake, path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js"), "--help"]).then(
        () => ({ code: 0, stdout: "", stderr: "" }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("error: create-mcp-monorepo needs Node.js 20.12 or newer; this is Node.js 18.19.0 (https://nodejs.org)\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the same minimum is package.json's engines.node", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
    const shim = await readFile(path.join(REPO_ROOT, "bin", "create-mcp-monorepo.js"), "utf8");
    const min = /var MIN = \[(\d+), (\d+)\]/.exec(shim);
    expect(pkg.engines.node).toBe(`>=${min![1]}.${min![2]}`);
  });
});
