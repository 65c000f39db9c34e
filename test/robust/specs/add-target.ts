// `add-target TARGET... [--dry-run] [--allow-dirty] [--json] [--cwd]` on a monorepo with hostile
// target names, artefacts already there (files, symlinks out), server folders that are links out
// or missing, root files that are links out, manifests edited by hand (flow list, no targets,
// CRLF, broken), and secrets (.env, .env.local) that must never be printed.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { parseManifest } from "../../../src/monorepo/manifest.js";
import { toIdentifier } from "../../../src/monorepo/names.js";
import { copyTemplate, manifestNames, USER_README_LINE, USER_YAML_COMMENT } from "../fixture.js";
import { checkTreeFiles, looksLikeCrash, resolveTokens, type Problem, type Sandbox } from "../harness.js";
import { hostileString } from "../hostile.js";
import { isInside, type CommandSpec } from "../spec.js";

const TARGETS = ["fastmcp-cloud", "docker", "k8s", "mcpb"] as const;
/** Files each target writes into a server folder. */
const ARTEFACTS: Record<string, string[]> = { "fastmcp-cloud": [], docker: ["Dockerfile", ".dockerignore"], k8s: ["k8s.yaml", "hpa.yaml"], mcpb: [".mcpbignore"] };
/** The root files a target lists every server in (compose.yaml, kustomization.yaml). */
const ROOT_ARTEFACTS = ["compose.yaml", "kustomization.yaml"];

type TreeVariant =
  | "plain"
  | "artefact-file"
  | "artefact-symlink-out"
  | "server-dir-symlink-out"
  | "server-missing"
  | "readme-symlink-out"
  | "manifest-symlink-out"
  | "readme-missing"
  | "no-markers"
  | "targets-flow"
  | "targets-none"
  | "manifest-crlf"
  | "manifest-broken"
  | "manifest-targets-hostile";

interface TargetCase {
  targets: string[];
  dryRun: boolean;
  allowDirty: boolean;
  json: boolean;
  cwd: string | null;
  variant: TreeVariant;
  /** Secrets written as .env / .env.local into the server folders and the root: must never be printed. */
  secrets: boolean;
}

const targetName = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...TARGETS) },
  { weight: 2, arbitrary: fc.constantFrom("Docker", "docker ", " k8s", "k8s,mcpb", "kubernetes", "fastmcp", "heroku", "", "-", "--docker", "../docker", "/etc/passwd", "docker\u0000", "mcpb\n", "k8s\u200b", "ｄｏｃｋｅｒ", "{{target}}", "$(id)") },
  { weight: 1, arbitrary: hostileString },
);

const targetCase: fc.Arbitrary<TargetCase> = fc.record({
  targets: fc.array(targetName, { minLength: 1, maxLength: 3 }),
  dryRun: fc.boolean().map((b) => b && Math.random() < 0.3),
  allowDirty: fc.boolean(),
  json: fc.boolean(),
  cwd: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(".", "server-ops", "server-ops/src/shared", "shared", "..", "@SENTINEL@", "@BOX@", "missing-dir", "README.md") }, { weight: 1, arbitrary: hostileString }) }),
  variant: fc.constantFrom<TreeVariant>(
    "plain", "plain", "plain", "plain", "plain", "plain",
    "artefact-file", "artefact-symlink-out", "server-dir-symlink-out", "server-missing", "readme-symlink-out", "manifest-symlink-out",
    "readme-missing", "no-markers", "targets-flow", "targets-none", "manifest-crlf", "manifest-broken", "manifest-targets-hostile",
  ),
  secrets: fc.boolean(),
});

async function layTargetVariant(repo: string, c: TargetCase, box: Sandbox): Promise<void> {
  const abs = (rel: string) => path.join(repo, ...rel.split("/"));
  const link = async (rel: string, to: string) => {
    await fs.copyFile(abs(rel), to);
    await fs.rm(abs(rel));
    await fs.symlink(to, abs(rel));
  };
  const editManifest = async (f: (t: string) => string) => fs.writeFile(abs("mcp-monorepo.yaml"), f(await fs.readFile(abs("mcp-monorepo.yaml"), "utf8")));
  const first = c.targets.find((t) => (ARTEFACTS[t] ?? []).length > 0);
  switch (c.variant) {
    case "artefact-file":
      if (first) await fs.writeFile(abs(`server-ops/${ARTEFACTS[first]![0]}`), "# the user's own file: add-target must not overwrite it\n");
      return;
    case "artefact-symlink-out":
      if (first) await fs.symlink(path.join(box.sentinel, "keep.txt"), abs(`server-billing/${ARTEFACTS[first]![0]}`));
      return;
    case "server-dir-symlink-out":
      // The server folder itself lives outside the monorepo, reached through a link.
      await fs.cp(abs("server-billing"), path.join(box.sentinel, "server-billing"), { recursive: true, verbatimSymlinks: true });
      await fs.rm(abs("server-billing"), { recursive: true });
      return fs.symlink(path.join(box.sentinel, "server-billing"), abs("server-billing"));
    case "server-missing":
      return fs.rm(abs("server-billing"), { recursive: true });
    case "readme-symlink-out":
      return link("README.md", path.join(box.sentinel, "nested", "deeper", "README.md"));
    case "manifest-symlink-out":
      return link("mcp-monorepo.yaml", path.join(box.sentinel, "nested", "deeper", "mcp-monorepo.yaml"));
    case "readme-missing":
      return fs.rm(abs("README.md"));
    case "no-markers":
      return fs.writeFile(abs("README.md"), (await fs.readFile(abs("README.md"), "utf8")).replace(/<!-- mcp-monorepo:deployment-table:[^\n]*\n/g, ""));
    case "targets-flow":
      return editManifest((t) => t.replace(/^targets:\n(?:\s+- .*\n)+/m, "targets: [fastmcp-cloud]  # flow style\n"));
    case "targets-none":
      return editManifest((t) => t.replace(/^targets:\n(?:\s+- .*\n)+/m, ""));
    case "manifest-crlf":
      return editManifest((t) => t.replace(/\n/g, "\r\n"));
    case "manifest-broken":
      return editManifest((t) => t.replace(/^servers:/m, "servers: [unclosed\n  servers:"));
    case "manifest-targets-hostile":
      return editManifest((t) => t.replace(/^targets:\n/m, "targets:\n  - heroku\n  - {{ x }}\n"));
    case "plain":
      return;
  }
}

/** Files add-target may change: the requested targets' artefacts in server folders and at the root, the README and the manifest. */
function ownedBy(rel: string): boolean {
  if (rel === "README.md" || rel === "mcp-monorepo.yaml" || rel.startsWith(".mcp-monorepo.busy") || ROOT_ARTEFACTS.includes(rel)) return true;
  const m = /^server-[^/]+\/([^/]+)$/.exec(rel);
  return Boolean(m && Object.values(ARTEFACTS).flat().includes(m[1]!));
}

const preState = new Map<string, { readme: string | null; yaml: string | null; secrets: string[] }>();

export const addTargetSpec: CommandSpec<TargetCase> = {
  name: "add-target",
  runs: 60,
  cases: targetCase,
  refusalCode: [1, 2],
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    await layTargetVariant(repo, c, box);
    const secrets: string[] = [];
    if (c.secrets) {
      for (const rel of [".env", "server-ops/.env", "server-ops/.env.local", "server-ops/src/.env"]) {
        const s = `s3cr3t-${Math.random().toString(16).slice(2)}`;
        secrets.push(s);
        await fs.writeFile(path.join(repo, rel), `OPS_API_KEY=${s}\n`).catch(() => undefined);
      }
    }
    const argv = ["add-target", ...c.targets];
    if (c.dryRun) argv.push("--dry-run");
    if (c.allowDirty) argv.push("--allow-dirty");
    if (c.json) argv.push("--json");
    let cwdArg = c.cwd === null ? null : resolveTokens(c.cwd, box);
    if (cwdArg !== null && !isInside(path.resolve(repo, cwdArg.replaceAll("\u0000", "")), box.root)) cwdArg = `escaped-${cwdArg.replace(/[/\\]/g, "_")}`;
    if (cwdArg !== null) argv.push("--cwd", cwdArg);
    const read = (rel: string) => fs.readFile(path.join(repo, rel), "utf8").catch(() => null);
    preState.set(repo, { readme: await read("README.md"), yaml: await read("mcp-monorepo.yaml"), secrets });
    // The server folder behind a link is outside: add-target must never write there.
    return { cwd: repo, argv, writable: c.dryRun ? [] : [repo] };
  },
  async judge(c, prep, out, changed, box) {
    const problems: Problem[] = [];
    const repo = prep.cwd;
    const pre = preState.get(repo)!;
    preState.delete(repo);
    for (const s of pre.secrets) if ((out.stdout + out.stderr).includes(s)) problems.push({ kind: "secret-leaked", detail: "a .env value was printed" });
    if (out.code !== 0) return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? problems : [...problems, { kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    if (c.dryRun) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `--dry-run wrote ${changed.slice(0, 5).join(", ")}` });
      return { verdict: "accepted", problems };
    }
    const relRepo = path.relative(box.root, repo).split(path.sep).join("/");
    for (const p of changed) {
      if (!p.startsWith(`${relRepo}/`)) continue; // outside: counted by the generic check
      const rel = p.slice(relRepo.length + 1);
      if (!ownedBy(rel)) problems.push({ kind: "user-data-lost", detail: `add-target changed ${rel}, which it does not own` });
    }
    const text = await fs.readFile(path.join(repo, "mcp-monorepo.yaml"), "utf8");
    let targets: string[] = [];
    try {
      targets = parseManifest(text, repo).manifest.targets;
    } catch (err) {
      problems.push({ kind: "invalid-file", detail: `mcp-monorepo.yaml after add-target: ${(err as Error).message.slice(0, 200)}` });
    }
    for (const t of c.targets) if (!targets.includes(t)) problems.push({ kind: "invalid-file", detail: `target ${t} accepted but not in the manifest (${targets.join(", ")})` });
    if (pre.yaml?.includes(USER_YAML_COMMENT) && !text.includes(USER_YAML_COMMENT)) problems.push({ kind: "user-data-lost", detail: "mcp-monorepo.yaml lost the user's comment" });
    const readme = await fs.readFile(path.join(repo, "README.md"), "utf8").catch(() => "");
    if (pre.readme?.includes(USER_README_LINE) && !readme.includes(USER_README_LINE)) problems.push({ kind: "user-data-lost", detail: "README.md lost the user's line" });
    // Every listed server whose folder is a real folder in the monorepo has every artefact of every target.
    for (const name of (await manifestNames(repo)) ?? []) {
      const dir = path.join(repo, `server-${name}`);
      const st = await fs.lstat(dir).catch(() => null);
      if (!st?.isDirectory()) continue;
      for (const t of targets) for (const a of ARTEFACTS[t] ?? []) {
        if (!(await fs.lstat(path.join(dir, a)).catch(() => null))) problems.push({ kind: "partial-tree", detail: `server-${name}/${a} missing after add-target ${t}` });
      }
    }
    problems.push(...(await checkTreeFiles(repo)).problems);
    const names = (await manifestNames(repo)) ?? [];
    // A tree the test made unusual on purpose (a server folder missing or behind a link) is not expected to pass check.
    const clean = c.variant !== "server-missing" && c.variant !== "server-dir-symlink-out" && c.variant !== "artefact-symlink-out";
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean, importable: [] } };
  },
};
