import * as fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { v0_3 } from "@anthropic-ai/mcpb/schemas";
import { availableParallelism } from "node:os";
import { compileArgs, compileJobs, isSource, pycPath, unitOf } from "../../src/bundle/compile.js";
import { requiredVariables } from "../../src/bundle/env.js";
import { collectBundleFiles } from "../../src/bundle/files.js";
import { buildManifest, pythonRange } from "../../src/bundle/manifest.js";
import { pipArgs } from "../../src/bundle/pip.js";
import { BUNDLE_PLATFORMS, hostPlatform } from "../../src/bundle/platforms.js";
import { verifyBundle } from "../../src/bundle/verify.js";
import { cacheKey, entryPath, readEntry, writeEntry } from "../../src/bundle/build-cache.js";
import { packTree, restoreUnit } from "../../src/bundle/pack.js";
import { deflateContent, deflateLevel, writeReproducibleZip } from "../../src/bundle/zip.js";
import { tempDir } from "../helpers/cli.js";

describe("requiredVariables", () => {
  it("reads seed 002's '# Required' block and [required] markers; secrets by name or [secret]", () => {
    const text = "# Required\nAPI_KEY=your-api-key-here\n# The company.\nCOMPANY_ID=12345\n\n# Optional (defaults shown)\nAPI_URL=https://x\n# DEBUG=false\n\nREGION= # [required] [secret] the region\n";
    expect(requiredVariables(text)).toEqual([
      { name: "API_KEY", description: "", sensitive: true },
      { name: "COMPANY_ID", description: "The company.", sensitive: false },
      { name: "REGION", description: "the region", sensitive: true },
    ]);
  });
});

describe("manifest", () => {
  it("is valid MCPB 0.3 for every platform, with the platform's PYTHONPATH separator", () => {
    for (const platform of BUNDLE_PLATFORMS) {
      const m = buildManifest({ project: "p", server: "ops", description: "", repository: "me/p", version: "1.2.3", python: "3.13", platform, tools: [{ name: "t", description: null }], required: [] });
      const parsed = v0_3.McpbManifestSchema.safeParse(m);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      const env = (m.server as { mcp_config: { env: Record<string, string> } }).mcp_config.env;
      expect(env.PYTHONPATH).toBe(platform === "windows-x86_64" ? "${__dirname};${__dirname}/deps" : "${__dirname}:${__dirname}/deps");
    }
    expect(pythonRange("3.9")).toBe(">=3.9 <3.10");
  });
});

describe("bytecode units", () => {
  it("are the server's own files and each top-level entry of deps/; MCPM_COMPILE_JOBS only sets how many run at once", () => {
    expect(unitOf("src/server.py")).toBe(".");
    expect(unitOf("sitecustomize.py")).toBe(".");
    expect(unitOf("deps/pydantic/main.py")).toBe("deps/pydantic");
    expect(unitOf("deps/pydantic/v1/__pycache__/x.cpython-312.pyc")).toBe("deps/pydantic");
    expect(unitOf("deps/typing_extensions.py")).toBe("deps/typing_extensions.py");
    expect(unitOf("deps/pydantic-2.0.dist-info/METADATA")).toBe("deps/pydantic-2.0.dist-info");
    expect(isSource("deps/pydantic/main.py")).toBe(true);
    expect(isSource("deps/pydantic/__pycache__/main.py")).toBe(false);
    expect(isSource("deps/pydantic/py.typed")).toBe(false);
    expect(pycPath("deps/pydantic/main.py", "cpython-312")).toBe("deps/pydantic/__pycache__/main.cpython-312.pyc");
    expect(pycPath("sitecustomize.py", "cpython-312")).toBe("__pycache__/sitecustomize.cpython-312.pyc");
    expect(compileArgs("/stage").slice(-1)).toEqual(["/stage"]);
    expect(compileJobs({ MCPM_COMPILE_JOBS: "1" })).toBe(1);
    expect(compileJobs({ MCPM_COMPILE_JOBS: "3" })).toBe(3);
    expect(compileJobs({ MCPM_COMPILE_JOBS: "640" })).toBe(64);
    for (const junk of ["0", "-2", "two", "", undefined]) expect(compileJobs({ MCPM_COMPILE_JOBS: junk })).toBe(availableParallelism());
  });
});

describe("pip and platforms", () => {
  it("cross-installs wheels only, for CPython of the manifest's version, without bytecode", () => {
    const args = pipArgs({ target: "/t", requirements: "r.txt", python: "3.12", platform: "linux-arm64" });
    expect(args).toEqual(expect.arrayContaining(["--target", "/t", "--python-version", "3.12", "--implementation", "cp", "--only-binary=:all:", "--no-compile", "-r", "r.txt"]));
    expect(args.filter((a, i) => args[i - 1] === "--platform")).toContain("manylinux_2_17_aarch64");
    expect(hostPlatform("darwin", "arm64")).toBe("macos-arm64");
    expect(hostPlatform("win32", "arm64")).toBeNull();
  });
});

describe("files, zip and verify", () => {
  it("keeps .env files out even when .mcpbignore tries to bring them back, and refuses an excluded entry point", async () => {
    const dir = await tempDir("mcpm-files-");
    await fs.mkdir(path.join(dir, "src"), { recursive: true });
    for (const f of ["src/server.py", ".env", ".env.local", ".env.example", "README.md"]) await fs.writeFile(path.join(dir, f), "x");
    await fs.writeFile(path.join(dir, ".mcpbignore"), "!.env\nREADME.md\n");
    expect((await collectBundleFiles(dir, "server-x")).map((f) => f.rel)).toEqual([".env.example", "src/server.py"]);
    await fs.writeFile(path.join(dir, ".mcpbignore"), "src/\n");
    await expect(collectBundleFiles(dir, "server-x")).rejects.toThrow(/server-x\/src\/server.py would not be in the bundle/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("writes the same bytes whatever the input order and file times; verify refuses other bytes", async () => {
    const dir = await tempDir("mcpm-zip-");
    const a = path.join(dir, "a.txt");
    await fs.writeFile(a, "alpha");
    const pyc = { name: "z/__pycache__/a.cpython-312.pyc", data: Buffer.from("bytecode ".repeat(50)) };
    const one = await writeReproducibleZip([{ name: "z/a.txt", file: a }, pyc, { name: "m.json", data: Buffer.from("{}") }], path.join(dir, "1.zip"));
    await fs.utimes(a, new Date("2030-05-05"), new Date("2030-05-05"));
    const two = await writeReproducibleZip([pyc, { name: "m.json", data: Buffer.from("{}") }, { name: "z/a.txt", file: a }], path.join(dir, "2.zip"));
    expect(two).toEqual(one);
    expect(await verifyBundle(path.join(dir, "1.zip"), one.sha256)).toBe(one.sha256);
    await expect(verifyBundle(path.join(dir, "1.zip"), "ab".repeat(32))).rejects.toThrow(/^SHA256 mismatch/);
    await expect(verifyBundle(path.join(dir, "1.zip"), "nope")).rejects.toThrow(/64 hex digits/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("deflates bytecode at level 1 and everything else at level 6", () => {
    expect(deflateLevel("deps/pydantic/__pycache__/main.cpython-312.pyc")).toBe(1);
    expect(deflateLevel("deps/pydantic/main.py")).toBe(6);
    expect(deflateLevel("manifest.json")).toBe(6);
  });

  it("writes the same bytes in any time zone (DOS times only, no Unix extended timestamp)", async () => {
    const dir = await tempDir("mcpm-tz-");
    const saved = process.env.TZ;
    const hashes: string[] = [];
    try {
      for (const tz of ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"]) {
        process.env.TZ = tz;
        hashes.push((await writeReproducibleZip([{ name: "a", data: Buffer.from("x") }], path.join(dir, `${tz.replace("/", "-")}.zip`))).sha256);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    expect(new Set(hashes).size).toBe(1);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe("pip progress lines", () => {
  it("drops requirement chains and counts package lists", async () => {
    const { progressLine } = await import("../../src/bundle/pip.js");
    expect(progressLine("  Collecting mdurl~=0.1 (from markdown-it-py>=2.2.0->rich)")).toBe("Collecting mdurl~=0.1");
    expect(progressLine("Installing collected packages: a, b, c")).toBe("Installing 3 packages");
    expect(progressLine("Successfully installed a-1.0 b-2.0")).toBe("Installed 2 packages");
  });
});

describe("build cache", () => {
  it("reads back what it wrote; a short, edited or foreign entry reads as missing; no temporary file is left", async () => {
    const dir = await tempDir("mcpm-build-cache-");
    const file = entryPath(dir, "unit", cacheKey(["a", Buffer.from([1, 2])]));
    expect(path.relative(dir, file).split(path.sep).slice(0, 2)).toEqual(["unit", path.basename(file).slice(0, 2)]);
    await writeEntry(file, [Buffer.from("hello "), Buffer.from("world")]);
    expect((await readEntry(file))?.toString()).toBe("hello world");
    expect(await fs.readdir(path.dirname(file))).toEqual([path.basename(file)]);
    const good = await fs.readFile(file);
    await fs.writeFile(file, good.subarray(0, good.length - 1));
    expect(await readEntry(file)).toBeNull();
    const flipped = Buffer.from(good);
    flipped[10]! ^= 1;
    await fs.writeFile(file, flipped);
    expect(await readEntry(file)).toBeNull();
    await fs.writeFile(file, "garbage");
    expect(await readEntry(file)).toBeNull();
    expect(await readEntry(path.join(dir, "missing"))).toBeNull();
    // A cache that cannot be written is skipped, not an error.
    await fs.writeFile(path.join(dir, "blocker"), "");
    await expect(writeEntry(path.join(dir, "blocker", "x", "y"), [Buffer.from("z")])).resolves.toBeUndefined();
    // Keys: parts are length-prefixed, so they cannot run together.
    expect(cacheKey(["ab", "c"])).not.toBe(cacheKey(["a", "bc"]));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("a unit entry that misses one of the unit's files or names another is not trusted", async () => {
    const a = { name: "deps/x/a.py", deflated: await deflateContent("deps/x/a.py", Buffer.from("a = 1\n")) };
    const pack = (rows: Array<typeof a>) => {
      const head = Buffer.from(JSON.stringify(rows.map((r) => [r.name, r.deflated.size, r.deflated.crc, r.deflated.data.length])));
      const len = Buffer.alloc(4);
      len.writeUInt32LE(head.length);
      return Buffer.concat([len, head, ...rows.map((r) => r.deflated.data)]);
    };
    expect(restoreUnit(pack([a]), ["deps/x/a.py"], new Set())).toEqual([a]);
    expect(restoreUnit(pack([a]), ["deps/x/a.py", "deps/x/b.py"], new Set())).toBeNull();
    expect(restoreUnit(pack([{ ...a, name: "deps/y/a.py" }]), ["deps/x/a.py"], new Set())).toBeNull();
    expect(restoreUnit(pack([a]).subarray(0, -1), ["deps/x/a.py"], new Set())).toBeNull();
    expect(restoreUnit(Buffer.from("xx"), ["deps/x/a.py"], new Set())).toBeNull();
  });

  it("a bundle without bytecode has the same bytes with a cold cache, a warm one and a damaged one, and the damaged entry is rebuilt", async () => {
    const root = await tempDir("mcpm-pack-");
    const cache = path.join(root, "cache");
    const stage = path.join(root, "stage");
    const files: Record<string, string> = {
      "src/server.py": "from fastmcp import FastMCP\nmcp = FastMCP('x')\n",
      "sitecustomize.py": "",
      "deps/pkg/__init__.py": "VALUE = 1\n".repeat(200),
      "deps/pkg/data.json": "{}",
      "deps/pkg-1.0.dist-info/RECORD": "pkg/__init__.py,,\n",
      "deps/single.py": "x = 2\n",
    };
    for (const [rel, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(stage, rel)), { recursive: true });
      await fs.writeFile(path.join(stage, rel), text);
    }
    const rels = Object.keys(files);
    const build = async (n: string) => {
      const packed = await packTree({ root: stage, rels, python: null, env: {}, cache });
      return { ...packed, zip: await writeReproducibleZip(packed.entries, path.join(root, `${n}.zip`)) };
    };
    const plain = await writeReproducibleZip(rels.map((rel) => ({ name: rel, file: path.join(stage, rel) })), path.join(root, "plain.zip"));
    const cold = await build("cold");
    expect([cold.built, cold.cached]).toEqual([4, 0]); // ".", deps/pkg, deps/pkg-1.0.dist-info, deps/single.py
    const warm = await build("warm");
    expect([warm.built, warm.cached]).toEqual([0, 4]);
    expect(warm.zip).toEqual(cold.zip);
    expect(cold.zip).toEqual(plain);
    const entries: string[] = [];
    for (const e of await fs.readdir(path.join(cache, "unit"), { recursive: true, withFileTypes: true })) if (e.isFile()) entries.push(path.join(e.parentPath, e.name));
    expect(entries).toHaveLength(4);
    // Damage every entry a different way: a flipped byte, a torn write, garbage, an empty file.
    const damage = [(b: Buffer) => (b[Math.floor(b.length / 2)]! ^= 0xff, b), (b: Buffer) => b.subarray(0, b.length >> 1), () => Buffer.from("not an entry"), () => Buffer.alloc(0)];
    for (const [i, f] of entries.entries()) await fs.writeFile(f, damage[i]!(Buffer.from(await fs.readFile(f))));
    const damaged = await build("damaged");
    expect([damaged.built, damaged.cached]).toEqual([4, 0]);
    expect(damaged.zip).toEqual(cold.zip);
    for (const f of entries) expect(await readEntry(f)).not.toBeNull();
    // Two builds at once on one empty cache: both write every entry, the same bytes come out.
    await fs.rm(cache, { recursive: true, force: true });
    const [a, b] = await Promise.all([build("a"), build("b")]);
    expect([a.zip, b.zip]).toEqual([cold.zip, cold.zip]);
    expect((await build("after")).cached).toBe(4);
    const left = (await fs.readdir(cache, { recursive: true })).filter((f) => f.endsWith(".tmp"));
    expect(left).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
