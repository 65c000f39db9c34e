// Issue 12, hostile trees: what users' disks really hold. Each case gives findings or one clear
// error line, never a stack trace or a hang; secrets are never vendored or printed; nothing
// outside the monorepo changes (a sentinel tree sits beside it). Figures go to the summary.
import * as fs from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBin } from "../helpers/faults.js";
import { PYTHON } from "../helpers/python.js";
import { ensureBuilt } from "../sync/build.js";
import { copyTemplate, removeTemplate } from "./fixture.js";
import {
  changedPaths,
  fail,
  fingerprint,
  isOneErrorLine,
  looksLikeCrash,
  newTally,
  removeSandboxes,
  runBounded,
  sandbox,
  saveTally,
  totalFailures,
  type Outcome,
  type Sandbox,
  type Tally,
} from "./harness.js";

const tallies = new Map<string, Tally>();
const started = Date.now();
const tallyOf = (command: string) => {
  if (!tallies.has(command)) tallies.set(command, newTally("trees", command));
  return tallies.get(command)!;
};

afterAll(async () => {
  for (const t of tallies.values()) await saveTally({ ...t, ms: Date.now() - started });
  await removeSandboxes();
  await removeTemplate();
  // Every hostile tree gave findings or one clear error: no failure of any kind.
  for (const t of tallies.values()) expect(totalFailures(t), JSON.stringify(t.examples, null, 1)).toBe(0);
});

const repoIn = copyTemplate;

/**
 * Runs one command on a hostile tree and records the outcome: refusal (one `error:` line, nothing
 * written), findings (exit 1 / check's exit 1) or success. `readOnly` commands must write nothing at all.
 */
async function judge(label: string, command: string, box: Sandbox, repo: string, out: Outcome, before: Map<string, string>, opts: { readOnly?: boolean; secrets?: string[] } = {}): Promise<Outcome> {
  const t = tallyOf(command);
  t.tried++;
  const input = { case: label, command };
  if (out.hang) {
    fail(t, "hang", `no exit after ${out.ms} ms`, input);
    return out;
  }
  const changed = changedPaths(before, await fingerprint(box.root));
  const relRepo = path.relative(box.root, repo).split(path.sep).join("/");
  const outside = changed.filter((p) => !p.startsWith(`${relRepo}/`));
  if (outside.length) fail(t, "write-outside-target", outside.slice(0, 5).join(", "), input);
  if (looksLikeCrash(out.stderr)) fail(t, "stack-trace", out.stderr.slice(0, 300), input);
  for (const s of opts.secrets ?? []) if ((out.stdout + out.stderr).includes(s)) fail(t, "secret-leaked", `printed a .env value`, input);
  const refusal = out.stderr.startsWith("error:") && out.code !== 0;
  if (process.env.MCPM_ROBUST_DEBUG) console.log(`tree ${label} ${command}: exit ${out.code} ${out.stderr.slice(0, 200)}`);
  if (refusal) {
    t.refused++;
    if (!isOneErrorLine(out.stderr)) fail(t, "unclear-error", JSON.stringify(out.stderr.slice(0, 300)), input);
    if (changed.length) fail(t, "partial-tree", `refused but wrote ${changed.slice(0, 5).join(", ")}`, input);
  } else {
    t.accepted++;
    if (out.code === 1) t.findings++;
    if (out.code !== 0 && out.code !== 1) fail(t, "unclear-error", `exit ${out.code}: ${out.stderr.slice(0, 200)}`, input);
    if (opts.readOnly && changed.length) fail(t, "write-outside-target", `a read-only command wrote ${changed.slice(0, 5).join(", ")}`, input);
  }
  return out;
}

async function runOn(label: string, argv: string[], box: Sandbox, repo: string, opts: { readOnly?: boolean; secrets?: string[]; timeoutMs?: number } = {}): Promise<Outcome> {
  const before = await fingerprint(box.root);
  const out = await runBounded(argv, repo, opts.timeoutMs ?? 90_000);
  return judge(label, argv[0]!, box, repo, out, before, opts);
}

/** Every file's text under the servers (not shared/, where secrets legitimately live). */
async function serverTexts(repo: string): Promise<string> {
  let all = "";
  for (const e of await fs.readdir(repo, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(repo, path.join(e.parentPath, e.name));
    if (e.isFile() && !rel.startsWith("shared")) all += await fs.readFile(path.join(e.parentPath, e.name), "latin1");
  }
  return all;
}

describe("hostile trees: sync", () => {
  it("a symlink in shared/ pointing out of it is refused in one line", async () => {
    const box = await sandbox();
    const repo = await repoIn(box);
    await fs.symlink(path.join(box.sentinel, "config.py"), path.join(repo, "shared", "evil.py"));
    await fs.symlink(box.sentinel, path.join(repo, "shared", "evil-dir"));
    const r = await runOn("symlink out of shared/", ["sync"], box, repo);
    expect(r.stderr).toMatch(/^error: .*symlink/i);
    await runOn("symlink out of shared/ (check)", ["check"], box, repo, { readOnly: true });
  });

  it(".env and .env.local in shared/ are never vendored or printed", async () => {
    const box = await sandbox();
    const repo = await repoIn(box);
    const secrets = ["s3cr3t-env-123", "s3cr3t-local-456", "s3cr3t-nested-789"];
    await fs.writeFile(path.join(repo, "shared", ".env"), `TOKEN=${secrets[0]}\n`);
    await fs.writeFile(path.join(repo, "shared", ".env.local"), `TOKEN=${secrets[1]}\n`);
    await fs.mkdir(path.join(repo, "shared", "sub"));
    await fs.writeFile(path.join(repo, "shared", "sub", ".env.production"), `TOKEN=${secrets[2]}\n`);
    await fs.writeFile(path.join(repo, "server-ops", ".env"), `TOKEN=${secrets[0]}\n`); // the server's own, never printed by check either
    for (const argv of [["sync", "--dry-run"], ["sync", "--json"], ["sync"], ["sync", "--check"], ["check"], ["check", "--json", "--strict"]]) {
      await runOn(`.env files (${argv.join(" ")})`, argv, box, repo, { secrets, readOnly: argv.includes("--check") || argv[0] === "check" || argv.includes("--dry-run") });
    }
    const copied = (await serverTexts(repo)).replace(`TOKEN=${secrets[0]}\n`, "");
    for (const s of secrets) if (copied.includes(s)) fail(tallyOf("sync"), "secret-leaked", "a shared/.env value was vendored", { case: ".env" });
  });

  it("file names with spaces, unicode, bidi marks and newlines are vendored exactly, and a re-run is a no-op", async () => {
    const box = await sandbox();
    const repo = await repoIn(box);
    const names = ["my file.py", "ünïcödé.py", "a\nb.py", "\u202etxt.py", "tab\there.txt", "sub dir/mod ule.py", "emoji 🚀.json"];
    for (const n of names) {
      await fs.mkdir(path.dirname(path.join(repo, "shared", n)), { recursive: true });
      await fs.writeFile(path.join(repo, "shared", n), n.endsWith(".json") ? "{}\n" : `NAME = ${JSON.stringify(n)}\n`);
    }
    const r = await runOn("odd file names", ["sync"], box, repo);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const n of names) expect(await fs.readFile(path.join(repo, "server-ops", "src", "shared", n), "utf8")).toBe(await fs.readFile(path.join(repo, "shared", n), "utf8"));
    JSON.parse(await fs.readFile(path.join(repo, "mcp-monorepo.lock.json"), "utf8"));
    const again = await runOn("odd file names (check)", ["sync", "--check"], box, repo, { readOnly: true });
    expect(again.code, again.stdout).toBe(0);
  });

  it("a 50 MB file in shared/ is vendored without a hang", async () => {
    const box = await sandbox();
    const repo = await repoIn(box);
    const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
    big.write("# big data file\n");
    await fs.writeFile(path.join(repo, "shared", "big.dat"), big);
    const r = await runOn("50 MB file", ["sync"], box, repo);
    expect(r.code, r.stderr).toBe(0);
    expect((await fs.stat(path.join(repo, "server-billing", "src", "shared", "big.dat"))).size).toBe(big.length);
    const again = await runOn("50 MB file (check)", ["sync", "--check"], box, repo, { readOnly: true });
    expect(again.code).toBe(0);
    await runOn("50 MB file (lint)", ["check"], box, repo, { readOnly: true });
  }, 300_000);

  it("a folder replaced by a file (and a file by a folder) in a vendored copy", async () => {
    const box = await sandbox();
    const repo = await repoIn(box);
    await fs.mkdir(path.join(repo, "shared", "pkg"));
    await fs.writeFile(path.join(repo, "shared", "pkg", "mod.py"), "X = 1\n");
    await fs.writeFile(path.join(repo, "server-ops", "src", "shared", "pkg"), "a file where a folder belongs\n");
    await fs.rm(path.join(repo, "server-billing", "src", "shared", "pagination.py"));
    await fs.mkdir(path.join(repo, "server-billing", "src", "shared", "pagination.py"));
    await fs.writeFile(path.join(repo, "server-billing", "src", "shared", "pagination.py", "inner.txt"), "a folder where a file belongs\n");
    for (const argv of [["sync", "--check"], ["sync"], ["sync", "--force"], ["check"]]) await runOn(`type swap (${argv.join(" ")})`, argv, box, repo, { readOnly: argv.includes("--check") || argv[0] === "check" });
  });

  it("unreadable files and folders (run as an unprivileged user) give one clear line", async () => {
    // As root, permissions do not bite: the CLI then runs as nobody (uid 65534) on a tree it owns.
    await ensureBuilt();
    for (const where of ["shared/config.py", "server-ops/src/shared/config.py", "server-ops/src/server.py", "shared", "server-ops/requirements.txt"]) {
      const box = await sandbox();
      const repo = await repoIn(box);
      const asNobody = process.getuid?.() === 0;
      if (asNobody) {
        await fs.chmod(path.dirname(box.root), 0o711); // mkdtemp's 0700 would stop nobody before the tree
        await chownTree(box.root, 65534, 65534);
      }
      await fs.chmod(path.join(repo, where), 0);
      for (const argv of [["sync"], ["check"], ["add-server", "extra", "--yes"]]) {
        const before = await fingerprint(box.root);
        const r = await runBin([...argv, "--cwd", repo], box.root, { timeoutMs: 90_000, ...(asNobody ? { uid: 65534, gid: 65534 } : {}), env: { MCPM_PYTHON: PYTHON } });
        const out: Outcome = r.timedOut ? { hang: true, ms: r.ms, code: -1, stdout: "", stderr: "" } : { hang: false, ms: r.ms, code: r.code ?? -1, stdout: r.output.slice(0, r.output.length - r.stderr.length), stderr: r.stderr };
        await judge(`unreadable ${where}`, argv[0]!, box, repo, out, before, { readOnly: argv[0] === "check" });
        // The run got as far as the unreadable file (the test is not vacuous).
        expect(out.stderr).not.toMatch(/not inside an mcp-monorepo|cannot check .*: not a folder/);
      }
      await fs.chmod(path.join(repo, where), 0o755);
    }
  }, 300_000);
});

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.chown(dir, uid, gid);
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) await fs.lchown(path.join(e.parentPath, e.name), uid, gid);
}

describe("hostile trees: check", () => {
  const sources: Array<[string, string | Buffer]> = [
    ["a 20,000-line server.py", "from fastmcp import FastMCP\n\nmcp = FastMCP('big')\n" + Array.from({ length: 20_000 }, (_, i) => `def f${i}(x):\n    return x + ${i}`).join("\n") + "\n"],
    ["deeply nested parentheses", `x = ${"(".repeat(5000)}1${")".repeat(5000)}\n`],
    ["a deeply nested unary chain", `x = ${"-".repeat(100_000)}1\n`],
    ["a long binary-operator chain", `x = ${"1 + ".repeat(100_000)}1\n`],
    ["deeply nested lists", `x = ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`],
    ["deeply nested blocks", Array.from({ length: 150 }, (_, i) => `${" ".repeat(i)}if x:`).join("\n") + `\n${" ".repeat(150)}pass\n`],
    ["invalid UTF-8", Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x27, 0xff, 0xfe, 0xc3, 0x28, 0x27, 0x0a])],
    ["a binary server.py", Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) % 256))],
    ["NUL bytes", "import os\x00\nmcp = None\n"],
    ["an unknown coding cookie", "# -*- coding: klingon -*-\nmcp = None\n"],
  ];
  it.each(sources)("%s", async (label, content) => {
    const box = await sandbox();
    const repo = await repoIn(box);
    await fs.writeFile(path.join(repo, "server-ops", "src", "server.py"), content);
    for (const argv of [["check"], ["check", "--json", "--strict"]]) {
      const r = await runOn(label, argv, box, repo, { readOnly: true });
      expect(r.hang).toBe(false);
      if (argv.includes("--json") && r.code !== 2) JSON.parse(r.stdout);
    }
  }, 180_000);

  it.each([
    ["a symlink loop in src/", async (src: string) => fs.symlink("loop", path.join(src, "loop"))],
    ["a pair of symlinks pointing at each other", async (src: string) => {
      await fs.symlink("b", path.join(src, "a"));
      await fs.symlink("a", path.join(src, "b"));
    }],
    ["a symlink from src/ to its parent", async (src: string) => fs.symlink("..", path.join(src, "up"))],
    ["a symlinked package folder pointing at itself", async (src: string) => {
      await fs.mkdir(path.join(src, "pkg"));
      await fs.writeFile(path.join(src, "pkg", "__init__.py"), "");
      await fs.symlink("..", path.join(src, "pkg", "again"));
    }],
    ["a FIFO named like a module", async (src: string) => {
      const { execFileSync } = await import("node:child_process");
      execFileSync("mkfifo", [path.join(src, "pipe.py")]);
    }],
  ])("%s", async (label, lay) => {
    const box = await sandbox();
    const repo = await repoIn(box);
    await lay(path.join(repo, "server-ops", "src"));
    for (const argv of [["check"], ["sync", "--check"]]) {
      const r = await runOn(label, argv, box, repo, { readOnly: true, timeoutMs: 60_000 });
      expect(r.hang).toBe(false);
    }
  }, 180_000);
});
