// `create [dir] --server ... --python ... --repository ... --branch ... [--dry-run]`: hostile values for every flag and target folder, and targets that exist, are files or symlinks.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { DEFAULT_SERVERS } from "../../../src/scaffold/create.js";
import { parseManifest } from "../../../src/monorepo/manifest.js";
import { toIdentifier } from "../../../src/monorepo/names.js";
import { checkTreeFiles, looksLikeCrash, resolveTokens, type Problem, type Sandbox } from "../harness.js";
import { description, flagValue, hostileString, serverName } from "../hostile.js";
import { isInside, type CommandSpec } from "../spec.js";

type TargetKind = "absent" | "empty-dir" | "git-only" | "symlink-to-empty" | "dangling-symlink" | "symlink-to-file" | "file" | "nonempty";

interface CreateCase {
  dir: string | null;
  servers: Array<{ name: string; description: string | null; form: "eq" | "flag" }>;
  yes: boolean;
  python: string | null;
  repository: string | null;
  branch: string | null;
  dryRun: boolean;
  targetKind: TargetKind;
}

const projectDir = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/) },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom("..", ".", "../x", "a/b", "a/../b", "./nested/deeper/x", "@BOX@/abs-target", "@SENTINEL@/new", "@SENTINEL@", "@SENTINEL@/empty-dir", "/", "x\u0000y", "", " ", "-x", "x\ny", "my project") },
);

const createCase: fc.Arbitrary<CreateCase> = fc.record({
  dir: fc.option(projectDir, { freq: 8 }),
  servers: fc.oneof(
    { weight: 1, arbitrary: fc.constant<CreateCase["servers"]>([]) },
    { weight: 6, arbitrary: fc.array(fc.record({ name: serverName, description: fc.option(description, { freq: 5 }), form: fc.constantFrom("eq" as const, "flag" as const) }), { minLength: 1, maxLength: 3 }) },
  ),
  yes: fc.boolean(),
  python: fc.option(flagValue(fc.constantFrom("3.10", "3.11", "3.12", "3.13", "3.14")), { freq: 3 }),
  repository: fc.option(flagValue(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}\/[A-Za-z0-9_.-]{1,12}$/)), { freq: 4 }),
  branch: fc.option(flagValue(fc.stringMatching(/^[A-Za-z0-9._/-]{1,20}$/)), { freq: 4 }),
  dryRun: fc.boolean().map((b) => b && Math.random() < 0.3),
  targetKind: fc.constantFrom<TargetKind>("absent", "absent", "absent", "absent", "empty-dir", "git-only", "symlink-to-empty", "dangling-symlink", "symlink-to-file", "file", "nonempty"),
});

/** Lays a target of the given kind at `abs` (inside the sandbox's work folder). */
async function layTarget(abs: string, kind: TargetKind, box: Sandbox): Promise<void> {
  await fs.mkdir(path.dirname(abs), { recursive: true });
  switch (kind) {
    case "absent":
      return;
    case "empty-dir":
      return fs.mkdir(abs).then(() => undefined);
    case "git-only":
      await fs.mkdir(path.join(abs, ".git"), { recursive: true });
      return fs.writeFile(path.join(abs, ".git", "HEAD"), "ref: refs/heads/main\n");
    case "symlink-to-empty":
      return fs.symlink(path.join(box.sentinel, "empty-dir"), abs);
    case "dangling-symlink":
      return fs.symlink(path.join(box.sentinel, "does-not-exist"), abs);
    case "symlink-to-file":
      return fs.symlink(path.join(box.sentinel, "keep.txt"), abs);
    case "file":
      return fs.writeFile(abs, "a user file\n");
    case "nonempty":
      await fs.mkdir(abs);
      return fs.writeFile(path.join(abs, "notes.txt"), "mine\n");
  }
}

export const createSpec: CommandSpec<CreateCase> = {
  name: "create",
  runs: 400,
  cases: createCase,
  refusalCode: 1,
  async prepare(c, box) {
    let dir = c.dir === null ? null : resolveTokens(c.dir, box);
    // Generated absolute paths and `..` chains must not reach outside the sandbox (we may run as root).
    if (dir !== null && !isInside(path.resolve(box.work, dir.replaceAll("\u0000", "")), box.root)) dir = `escaped-${dir.replace(/[/\\]/g, "_")}`;
    const argv = dir === null ? [] : [dir];
    for (const s of c.servers) {
      if (s.description === null) argv.push("--server", s.name);
      else if (s.form === "eq") argv.push("--server", `${s.name}=${s.description}`);
      else argv.push("--server", s.name, "--description", s.description);
    }
    if (c.yes) argv.push("--yes");
    if (c.python !== null) argv.push("--python", c.python);
    if (c.repository !== null) argv.push("--repository", c.repository);
    if (c.branch !== null) argv.push("--branch", c.branch);
    if (c.dryRun) argv.push("--dry-run");
    argv.push("--no-git");
    const target = path.resolve(box.work, dir ?? "my-mcp-servers");
    if (!dir?.includes("\u0000") && isInside(target, box.work) && target !== box.work) await layTarget(target, c.targetKind, box).catch(() => undefined); // e.g. a name too long for the file system
    return { cwd: box.work, argv, writable: c.dryRun ? [] : [target] };
  },
  async judge(c, prep, out, changed) {
    const problems: Problem[] = [];
    if (out.code !== 0) return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? [] : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    if (c.dryRun) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `--dry-run wrote ${changed.slice(0, 5).join(", ")}` });
      return { verdict: "accepted", problems };
    }
    const target = prep.writable[0]!;
    const st = await fs.lstat(target).catch(() => null);
    if (!st?.isDirectory()) return { verdict: "accepted", problems: [{ kind: "partial-tree", detail: `exit 0 but ${target} is not a folder` }] };
    const files = await checkTreeFiles(target);
    problems.push(...files.problems);
    // The staging folder beside the target must be gone.
    for (const e of await fs.readdir(path.dirname(target))) if (e.includes(".mcpm-staging-")) problems.push({ kind: "partial-tree", detail: `staging left: ${e}` });
    const text = await fs.readFile(path.join(target, "mcp-monorepo.yaml"), "utf8").catch(() => null);
    if (text === null) return { verdict: "accepted", problems: [...problems, { kind: "partial-tree", detail: "no mcp-monorepo.yaml" }] };
    let names: string[] = [];
    try {
      const m = parseManifest(text, target).manifest;
      names = m.servers.map((s) => s.name);
      const given = c.servers.length ? c.servers : c.yes ? DEFAULT_SERVERS.map((s) => ({ ...s })) : [];
      given.forEach((g, i) => {
        const want = g.name.includes("=") && "form" in g && g.form === "eq" ? null : g.description;
        if (want?.trim() && m.servers[i]?.description !== want) {
          problems.push({ kind: "invalid-file", detail: `description of ${g.name} did not round-trip through mcp-monorepo.yaml: ${JSON.stringify(m.servers[i]?.description)?.slice(0, 100)}` });
        }
      });
    } catch (err) {
      problems.push({ kind: "invalid-file", detail: `mcp-monorepo.yaml: ${(err as Error).message}` });
    }
    const importable = names.length ? [path.join(target, `server-${names[0]}`, "src")] : [];
    return { verdict: "accepted", problems, deferred: { tree: target, idents: names.map(toIdentifier), clean: true, importable, allowRules: ["3.13", "3.14"].includes(c.python ?? "") ? ["python-version"] : [] } };
  },
};
