// `sync [flags]` after random changes to shared/ and the vendored copies: hostile names and contents, secrets, symlinks in and out, hand edits, type swaps, requirement lines.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { listVendoredSync } from "../../../src/sync/scan.js";
import { NOT_COPIED } from "../../../src/monorepo/vendor.js";
import { copyTemplate } from "../fixture.js";
import { changedPaths, checkTreeFiles, fingerprint, resolveTokens, runBounded, type Problem, type Sandbox } from "../harness.js";
import { hostileString } from "../hostile.js";
import type { CommandSpec } from "../spec.js";

type SyncOp =
  | { op: "add"; name: string; content: string }
  | { op: "edit"; file: string; append: string }
  | { op: "delete"; file: string }
  | { op: "secret"; name: string }
  | { op: "symlink-out" }
  | { op: "symlink-in" }
  | { op: "hand-edit"; server: string }
  | { op: "unmanaged"; server: string }
  | { op: "vendored-link-out"; server: string }
  | { op: "dir-to-file"; server: string }
  | { op: "file-to-dir"; server: string }
  | { op: "req"; line: string }
  | { op: "server-req"; server: string; line: string };

interface SyncCase {
  ops: SyncOp[];
  flags: string[];
}

const SHARED_FILES = ["__init__.py", "config.py", "http_client.py", "pagination.py"];
const server = fc.constantFrom("ops", "billing");
/** File names with spaces, unicode, newlines, bidi marks, dots: each one path segment. */
export const fileName = fc
  .oneof(
    fc.constantFrom("extra.py", "my file.py", "ünïcödé.py", "a\nb.py", "\u202etxt.py", "tab\there.txt", ".hidden.py", "sub dir/mod.py", "deep/er/x.json", "{{name}}.py", "$(id).sh", "`id`.txt", "-rf", "CON", "x".repeat(200) + ".py"),
    hostileString.map((h) => h.replace(/[/\u0000]/g, "_").slice(0, 60)),
  )
  .filter((n) => n !== "" && n !== "." && n !== ".." && Buffer.byteLength(n) < 250 && !/(^|\/)\.\.?($|\/)/.test(n));
const reqLine = fc.oneof(fc.constantFrom("-e ../x", "git+https://example.com/x.git", "httpx>=0.28", "anyio>=4", "--index-url http://example.com/simple", "file:///tmp/x", "requests ; python_version<'3.13'", "./local-pkg", "pydantic>=2 # pinned by us"), hostileString.map((h) => h.slice(0, 80)));
const syncOp: fc.Arbitrary<SyncOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("add" as const), name: fileName, content: hostileString }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("edit" as const), file: fc.constantFrom(...SHARED_FILES), append: hostileString }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), file: fc.constantFrom(...SHARED_FILES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("secret" as const), name: fc.constantFrom(".env", ".env.local", "sub/.env.production") }) },
  { weight: 1, arbitrary: fc.constant({ op: "symlink-out" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "symlink-in" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("hand-edit" as const), server }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("unmanaged" as const), server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("vendored-link-out" as const), server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("dir-to-file" as const), server }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("file-to-dir" as const), server }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("req" as const), line: reqLine }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("server-req" as const), server, line: reqLine }) },
);
const syncFlags = fc.oneof(
  { weight: 5, arbitrary: fc.constant<string[]>([]) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(["--check"], ["--dry-run"], ["--force"], ["--json"], ["-s", "ops"], ["--check", "--force"], ["--json", "--dry-run"], ["--cwd", "server-ops"], ["--cwd", "@SENTINEL@"], ["-s", "nope"]) },
  { weight: 1, arbitrary: hostileString.map((h) => ["-s", h]) },
);

interface SyncState {
  secrets: string[];
  /** Files that belong to the user and must survive byte-identical (root-relative → bytes); hand edits are dropped from it under --force. */
  keep: Map<string, Buffer>;
  /** User lines added to a server's requirements.txt outside the managed block. */
  reqLines: Array<{ file: string; line: string }>;
}
const syncState = new Map<string, SyncState>();

async function applySyncOp(repo: string, op: SyncOp, box: Sandbox, st: SyncState, force: boolean): Promise<void> {
  const abs = (rel: string) => path.join(repo, ...rel.split("/"));
  const write = async (rel: string, content: string | Buffer) => {
    await fs.mkdir(path.dirname(abs(rel)), { recursive: true });
    await fs.rm(abs(rel), { recursive: true, force: true });
    await fs.writeFile(abs(rel), content);
  };
  const exists = (rel: string) => fs.lstat(abs(rel)).then(() => true, () => false);
  switch (op.op) {
    case "add":
      return write(`shared/${op.name}`, op.content);
    case "edit":
      if (await exists(`shared/${op.file}`)) await fs.appendFile(abs(`shared/${op.file}`), `\n# ${op.append.replace(/[\r\n]/g, " ")}\n`);
      return;
    case "delete":
      return fs.rm(abs(`shared/${op.file}`), { force: true });
    case "secret": {
      const secret = `s3cr3t-${Math.random().toString(16).slice(2)}`;
      st.secrets.push(secret);
      return write(`shared/${op.name}`, `SECRET_TOKEN=${secret}\n`);
    }
    case "symlink-out":
      await fs.rm(abs("shared/evil.py"), { force: true });
      return fs.symlink(path.join(box.sentinel, "config.py"), abs("shared/evil.py"));
    case "symlink-in":
      await fs.rm(abs("shared/alias.py"), { force: true });
      return fs.symlink("config.py", abs("shared/alias.py"));
    case "hand-edit": {
      const rel = `server-${op.server}/src/shared/config.py`;
      if (!(await fs.lstat(abs(rel)).then((s) => s.isFile(), () => false))) return;
      await fs.appendFile(abs(rel), "\n# hand edit: keep me\n");
      if (!force) st.keep.set(rel, await fs.readFile(abs(rel)));
      return;
    }
    case "unmanaged": {
      const rel = `server-${op.server}/src/shared/NOTES.md`;
      await write(rel, "mine, not sync's\n");
      st.keep.set(rel, await fs.readFile(abs(rel)));
      return;
    }
    case "vendored-link-out": {
      const rel = `server-${op.server}/src/shared/config.py`;
      st.keep.delete(rel); // the case itself replaces an earlier hand edit
      await fs.rm(abs(rel), { recursive: true, force: true });
      return fs.symlink(path.join(box.sentinel, "config.py"), abs(rel));
    }
    case "dir-to-file":
      await write("shared/pkg/mod.py", "X = 1\n");
      await write(`server-${op.server}/src/shared/pkg`, "a file where a folder belongs\n");
      return;
    case "file-to-dir":
      st.keep.delete(`server-${op.server}/src/shared/pagination.py`);
      await fs.rm(abs(`server-${op.server}/src/shared/pagination.py`), { recursive: true, force: true });
      return write(`server-${op.server}/src/shared/pagination.py/inner.txt`, "a folder where a file belongs\n");
    case "req":
      return fs.appendFile(abs("shared/requirements.txt"), `${op.line.replace(/[\r\n]/g, " ")}\n`);
    case "server-req": {
      const rel = `server-${op.server}/requirements.txt`;
      const line = op.line.replace(/[\r\n]/g, " ").trim();
      await fs.appendFile(abs(rel), `${line}\n`);
      // As read back: a lone surrogate is written to UTF-8 as U+FFFD.
      if (line) st.reqLines.push({ file: rel, line: Buffer.from(line, "utf8").toString("utf8") });
      return;
    }
  }
}

/** All file contents under `dir` except shared/ (where secrets legitimately live). */
async function nonCanonicalTexts(repo: string): Promise<Array<{ rel: string; text: string }>> {
  const out: Array<{ rel: string; text: string }> = [];
  for (const e of await fs.readdir(repo, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(repo, abs).split(path.sep).join("/");
    if (rel.startsWith("shared/")) continue;
    out.push({ rel, text: await fs.readFile(abs, "latin1") });
  }
  return out;
}

export const syncSpec: CommandSpec<SyncCase> = {
  name: "sync",
  runs: 300,
  cases: fc.record({ ops: fc.array(syncOp, { minLength: 0, maxLength: 4 }), flags: syncFlags }),
  refusalCode: [1, 2],
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    const st: SyncState = { secrets: [], keep: new Map(), reqLines: [] };
    const force = c.flags.includes("--force");
    for (const op of c.ops) await applySyncOp(repo, op, box, st, force);
    syncState.set(repo, st);
    const argv = ["sync", ...c.flags.map((f) => resolveTokens(f, box))];
    const writes = !c.flags.some((f) => f === "--check" || f === "--dry-run");
    return { cwd: repo, argv, writable: writes ? [repo] : [] };
  },
  async judge(c, prep, out) {
    const problems: Problem[] = [];
    const repo = prep.cwd;
    const st = syncState.get(repo)!;
    for (const secret of st.secrets) {
      if ((out.stdout + out.stderr).includes(secret)) problems.push({ kind: "secret-leaked", detail: "a shared/.env value was printed" });
      for (const f of await nonCanonicalTexts(repo)) if (f.text.includes(secret)) problems.push({ kind: "secret-leaked", detail: `a shared/.env value was copied into ${f.rel}` });
    }
    for (const [rel, bytes] of st.keep) {
      const now = await fs.readFile(path.join(repo, rel)).catch(() => null);
      if (!now?.equals(bytes)) problems.push({ kind: "user-data-lost", detail: `${rel} was changed or removed` });
    }
    for (const { file, line } of st.reqLines) {
      if (!(await fs.readFile(path.join(repo, file), "utf8").catch(() => "")).includes(line)) problems.push({ kind: "user-data-lost", detail: `${file} lost the user's line ${JSON.stringify(line)}` });
    }
    if (out.code !== 0 && out.code !== 1) problems.push({ kind: "unclear-error", detail: `exit ${out.code}` });
    if (c.flags.includes("--json") && !out.stderr.startsWith("error:")) {
      try {
        JSON.parse(out.stdout);
      } catch {
        problems.push({ kind: "invalid-file", detail: `--json printed no JSON: ${out.stdout.slice(0, 200)}` });
      }
    }
    if (prep.writable.length === 0 || out.code !== 0) return { verdict: out.code === 0 ? "accepted" : "findings", problems };
    // A sync that succeeded: every selected server's copy equals shared/ (minus what is never vendored), and a re-run is a no-op.
    // requirements.txt and .env.example are merged into managed blocks, never copied (NOT_COPIED).
    const canonical = listVendoredSync(path.join(repo, "shared")).files.filter((f) => !NOT_COPIED.has(f.path));
    const only = c.flags.includes("-s") ? [c.flags[c.flags.indexOf("-s") + 1]!] : ["ops", "billing"];
    for (const s of only) {
      for (const f of canonical) {
        const a = await fs.readFile(path.join(repo, "shared", f.path)).catch(() => null);
        const b = await fs.readFile(path.join(repo, `server-${s}`, "src", "shared", f.path)).catch(() => null);
        if (!f.symlink && !(a && b && a.equals(b))) problems.push({ kind: "invalid-file", detail: `server-${s}/src/shared/${f.path} differs from shared/ after a successful sync` });
      }
    }
    const again = await fingerprint(repo);
    const rerun = await runBounded(prep.argv, repo); // the same selection (-s) again
    const changedAgain = changedPaths(again, await fingerprint(repo));
    if (rerun.code !== 0 || changedAgain.length) problems.push({ kind: "partial-tree", detail: `a second sync was not a no-op (exit ${rerun.code}; changed ${changedAgain.slice(0, 3).join(", ")}): ${rerun.stdout.slice(0, 200)}` });
    problems.push(...(await checkTreeFiles(repo)).problems.filter((p) => p.kind === "partial-tree"));
    return { verdict: "accepted", problems };
  },
};
