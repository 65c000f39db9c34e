// `remove-server NAME... [--keep-files] [--yes] [--dry-run] [--allow-dirty] [--json]`,
// `rename-server OLD NEW [--dry-run] [--json]` and `remove-target TARGET... [--force] [--dry-run] [--json]`
// on a monorepo whose server folders may be missing, links out of it, renamed by hand or hold
// links; whose root files may be links out; with hand-edited target files and hostile names.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { addTarget } from "../../../src/add-target/add-target.js";
import { parseManifest } from "../../../src/monorepo/manifest.js";
import { toIdentifier } from "../../../src/monorepo/names.js";
import { copyTemplate, manifestNames, USER_ENV_LINE, USER_README_LINE, USER_YAML_COMMENT } from "../fixture.js";
import { checkTreeFiles, looksLikeCrash, type Problem, type Sandbox } from "../harness.js";
import { goodServerName, hostileString } from "../hostile.js";
import type { CommandSpec, Prepared } from "../spec.js";

type Variant = "plain" | "folder-missing" | "folder-link-out" | "readme-link-out" | "env-link-out" | "link-inside" | "hand-renamed" | "unlisted-folder" | "edited-artefact";

const variant = fc.constantFrom<Variant>("plain", "plain", "plain", "plain", "folder-missing", "folder-link-out", "readme-link-out", "env-link-out", "link-inside", "hand-renamed", "unlisted-folder", "edited-artefact");

/** Lays out a variant on a copy of the template (servers ops and billing). */
async function lay(repo: string, v: Variant, box: Sandbox): Promise<void> {
  const abs = (rel: string) => path.join(repo, ...rel.split("/"));
  const linkOut = async (rel: string, to: string) => {
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(abs(rel), to);
    await fs.rm(abs(rel));
    await fs.symlink(to, abs(rel));
  };
  switch (v) {
    case "folder-missing":
      return fs.rm(abs("server-billing"), { recursive: true });
    case "folder-link-out":
      await fs.cp(abs("server-billing"), path.join(box.sentinel, "server-billing"), { recursive: true });
      await fs.rm(abs("server-billing"), { recursive: true });
      return fs.symlink(path.join(box.sentinel, "server-billing"), abs("server-billing"));
    case "readme-link-out":
      return linkOut("README.md", path.join(box.sentinel, "nested", "README.md"));
    case "env-link-out":
      return linkOut(".env.example", path.join(box.sentinel, "nested", "env.example"));
    case "link-inside":
      return fs.symlink(path.join(box.sentinel, "keep.txt"), abs("server-ops/notes.txt"));
    case "hand-renamed":
      return fs.rename(abs("server-ops"), abs("server-infra"));
    case "unlisted-folder":
      await fs.mkdir(abs("server-extra/src"), { recursive: true });
      return fs.writeFile(abs("server-extra/src/server.py"), "from fastmcp import FastMCP\nmcp = FastMCP('extra')\n");
    case "edited-artefact":
      await addTarget({ cwd: repo, targets: ["docker", "k8s", "mcpb"] });
      return fs.appendFile(abs("server-ops/Dockerfile"), "# our own tweak\n");
    case "plain":
      return;
  }
}

const pre = new Map<string, { yaml: string; readme: string | null; env: string | null; files: Map<string, Buffer> }>();

/** Snapshot of what must survive: user text in root files, every file of the servers not named. */
async function snapshot(repo: string, keepServers: string[]): Promise<void> {
  const read = (rel: string) => fs.readFile(path.join(repo, rel), "utf8").catch(() => null);
  const files = new Map<string, Buffer>();
  for (const s of keepServers) {
    const walk = async (rel: string): Promise<void> => {
      for (const e of await fs.readdir(path.join(repo, rel), { withFileTypes: true }).catch(() => [])) {
        const p = `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) files.set(p, await fs.readFile(path.join(repo, p)));
      }
    };
    await walk(`server-${s}`);
  }
  pre.set(repo, { yaml: (await read("mcp-monorepo.yaml"))!, readme: await read("README.md"), env: await read(".env.example"), files });
}

/** User text kept in the root files, and the other servers' files byte for byte (targets' artefacts excepted for remove-target). */
async function kept(repo: string, skip: (rel: string) => boolean = () => false): Promise<Problem[]> {
  const p = pre.get(repo)!;
  pre.delete(repo);
  const problems: Problem[] = [];
  const read = (rel: string) => fs.readFile(path.join(repo, rel), "utf8").catch(() => "");
  if (p.yaml.includes(USER_YAML_COMMENT) && !(await read("mcp-monorepo.yaml")).includes(USER_YAML_COMMENT)) problems.push({ kind: "user-data-lost", detail: "the manifest lost the user's comment" });
  if (p.readme?.includes(USER_README_LINE) && !(await read("README.md")).includes(USER_README_LINE)) problems.push({ kind: "user-data-lost", detail: "README.md lost the user's line" });
  if (p.env?.includes(USER_ENV_LINE) && !(await read(".env.example")).includes(USER_ENV_LINE)) problems.push({ kind: "user-data-lost", detail: ".env.example lost the user's variable" });
  for (const [rel, bytes] of p.files) {
    if (skip(rel)) continue;
    const now = await fs.readFile(path.join(repo, rel)).catch(() => null);
    if (!now?.equals(bytes)) problems.push({ kind: "user-data-lost", detail: `${rel} changed` });
  }
  return problems;
}

function manifestOf(repo: string, text: string): { names: string[]; targets: string[] } | null {
  try {
    const m = parseManifest(text, repo).manifest;
    return { names: m.servers.map((s) => s.name), targets: m.targets };
  } catch {
    return null;
  }
}

const flag = (b: boolean, f: string) => (b ? [f] : []);
const rare = fc.boolean().map((b) => b && Math.random() < 0.3);

// ---- remove-server ----

interface RemoveCase {
  names: string[];
  yes: boolean;
  dryRun: boolean;
  keepFiles: boolean;
  allowDirty: boolean;
  json: boolean;
  variant: Variant;
}

const removeName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom("ops", "billing", "server-ops") }, { weight: 1, arbitrary: fc.constantFrom("nope", "", "-", "../ops", "OPS", "ops ") }, { weight: 1, arbitrary: hostileString });

export const removeServerSpec: CommandSpec<RemoveCase> = {
  name: "remove-server",
  runs: 60,
  cases: fc.record({ names: fc.array(removeName, { minLength: 1, maxLength: 2 }), yes: fc.boolean().map((b) => b || Math.random() < 0.6), dryRun: rare, keepFiles: rare, allowDirty: fc.boolean(), json: fc.boolean(), variant }),
  refusalCode: [1, 2],
  async prepare(c, box): Promise<Prepared> {
    const repo = await copyTemplate(box);
    await lay(repo, c.variant, box);
    const targeted = new Set(c.names.map((n) => n.replace(/^server-/, "")));
    await snapshot(repo, ["ops", "billing"].filter((s) => !targeted.has(s)));
    const argv = ["remove-server", ...c.names, ...flag(c.yes, "--yes"), ...flag(c.dryRun, "--dry-run"), ...flag(c.keepFiles, "--keep-files"), ...flag(c.allowDirty, "--allow-dirty"), ...flag(c.json, "--json")];
    return { cwd: repo, argv, writable: c.dryRun ? [] : [repo] };
  },
  async judge(c, prep, out) {
    const repo = prep.cwd;
    const problems: Problem[] = [];
    if (out.code !== 0) {
      pre.delete(repo);
      return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? problems : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    }
    problems.push(...(await kept(repo)));
    if (c.dryRun) return { verdict: "accepted", problems };
    const m = manifestOf(repo, await fs.readFile(path.join(repo, "mcp-monorepo.yaml"), "utf8"));
    const gone = new Set(c.names.map((n) => n.replace(/^server-/, "")));
    if (!m) problems.push({ kind: "invalid-file", detail: "the manifest does not parse after remove-server" });
    else for (const n of gone) if (m.names.includes(n)) problems.push({ kind: "partial-tree", detail: `${n} still in the manifest` });
    for (const n of gone) {
      const st = await fs.lstat(path.join(repo, `server-${n}`)).catch(() => null);
      if (!c.keepFiles && st && c.variant !== "hand-renamed") problems.push({ kind: "partial-tree", detail: `server-${n} still there` });
      if (c.keepFiles && c.variant === "plain" && !st) problems.push({ kind: "user-data-lost", detail: `--keep-files deleted server-${n}` });
    }
    for (const rel of ["README.md", ".env.example", "mcp-monorepo.lock.json"]) {
      const text = await fs.readFile(path.join(repo, rel), "utf8").catch(() => "");
      for (const n of gone) {
        if (!new RegExp(`server-${n}\\b(?!-)`).test(text) || c.variant === "readme-link-out" || c.variant === "env-link-out") continue;
        // With no server left, the README's example lines have none to follow: the command lists them.
        const listed = rel === "README.md" && m?.names.length === 0 && /README\.md:\d|"file": "README\.md"/.test(out.stdout + out.stderr);
        if (!listed) problems.push({ kind: "partial-tree", detail: `${rel} still names server-${n}` });
      }
    }
    problems.push(...(await checkTreeFiles(repo)).problems);
    const names = (await manifestNames(repo)) ?? [];
    // --keep-files leaves the folder as an unlisted server (check warns about it, as it should).
    const clean = c.variant === "plain" && names.length > 0 && !c.keepFiles;
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean, importable: [] } };
  },
};

// ---- rename-server ----

interface RenameCase {
  from: string;
  to: string;
  dryRun: boolean;
  json: boolean;
  variant: Variant;
}

export const renameServerSpec: CommandSpec<RenameCase> = {
  name: "rename-server",
  runs: 60,
  cases: fc.record({
    from: fc.oneof({ weight: 8, arbitrary: fc.constantFrom("ops", "billing", "server-ops") }, { weight: 1, arbitrary: fc.constantFrom("nope", "") }, { weight: 1, arbitrary: hostileString }),
    to: fc.oneof({ weight: 6, arbitrary: fc.constantFrom("infra", "payments", "customer-care", "ops-team") }, { weight: 2, arbitrary: goodServerName }, { weight: 1, arbitrary: fc.constantFrom("billing", "class", "Bad", "server-x", "a--b", "ops", "shared") }, { weight: 1, arbitrary: hostileString }),
    dryRun: rare,
    json: fc.boolean(),
    variant,
  }),
  refusalCode: [1, 2],
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    await lay(repo, c.variant, box);
    const from = c.from.replace(/^server-/, "");
    await snapshot(repo, ["ops", "billing"].filter((s) => s !== from));
    return { cwd: repo, argv: ["rename-server", c.from, c.to, ...flag(c.dryRun, "--dry-run"), ...flag(c.json, "--json")], writable: c.dryRun ? [] : [repo] };
  },
  async judge(c, prep, out) {
    const repo = prep.cwd;
    const problems: Problem[] = [];
    if (out.code !== 0) {
      pre.delete(repo);
      return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? problems : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    }
    problems.push(...(await kept(repo)));
    if (c.dryRun) return { verdict: "accepted", problems };
    const from = c.from.replace(/^server-/, "");
    const m = manifestOf(repo, await fs.readFile(path.join(repo, "mcp-monorepo.yaml"), "utf8"));
    if (!m || !m.names.includes(c.to) || m.names.includes(from)) problems.push({ kind: "partial-tree", detail: `manifest servers after rename: ${m?.names.join(", ")}` });
    if (await fs.lstat(path.join(repo, `server-${from}`)).catch(() => null)) problems.push({ kind: "partial-tree", detail: `server-${from} still there` });
    const server = await fs.readFile(path.join(repo, `server-${c.to}`, "src", "server.py"), "utf8").catch(() => "");
    if (!server.includes(`SERVER_NAME = "${c.to}"`)) problems.push({ kind: "partial-tree", detail: `server-${c.to}/src/server.py has no SERVER_NAME = "${c.to}"` });
    problems.push(...(await checkTreeFiles(repo)).problems);
    const names = (await manifestNames(repo)) ?? [];
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean: c.variant === "plain", importable: [path.join(repo, `server-${c.to}`, "src")] } };
  },
};

// ---- remove-target ----

interface TargetCase {
  targets: string[];
  force: boolean;
  dryRun: boolean;
  json: boolean;
  withTargets: boolean;
  variant: Variant;
}

const ARTEFACTS: Record<string, string[]> = { "fastmcp-cloud": [], docker: ["Dockerfile", ".dockerignore"], k8s: ["k8s.yaml", "hpa.yaml"], mcpb: [".mcpbignore"] };

export const removeTargetSpec: CommandSpec<TargetCase> = {
  name: "remove-target",
  runs: 40,
  cases: fc.record({
    targets: fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom("docker", "k8s", "mcpb", "fastmcp-cloud") }, { weight: 1, arbitrary: fc.constantFrom("dokcer", "Docker", "", "heroku") }, { weight: 1, arbitrary: hostileString }), { minLength: 1, maxLength: 3 }),
    force: rare,
    dryRun: rare,
    json: fc.boolean(),
    withTargets: fc.boolean().map((b) => b || Math.random() < 0.7),
    variant: fc.constantFrom<Variant>("plain", "plain", "plain", "edited-artefact", "folder-missing", "folder-link-out", "readme-link-out", "link-inside"),
  }),
  refusalCode: [1, 2],
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    if (c.withTargets && c.variant !== "edited-artefact") await addTarget({ cwd: repo, targets: ["docker", "k8s", "mcpb"] });
    await lay(repo, c.variant, box);
    if (c.variant === "link-inside") {
      await fs.rm(path.join(repo, "server-ops", "notes.txt"));
      if (c.withTargets) {
        await fs.rm(path.join(repo, "server-ops", "k8s.yaml"), { force: true });
        await fs.symlink(path.join(box.sentinel, "keep.txt"), path.join(repo, "server-ops", "k8s.yaml"));
      }
    }
    await snapshot(repo, ["ops", "billing"]);
    return { cwd: repo, argv: ["remove-target", ...c.targets, ...flag(c.force, "--force"), ...flag(c.dryRun, "--dry-run"), ...flag(c.json, "--json")], writable: c.dryRun ? [] : [repo] };
  },
  async judge(c, prep, out) {
    const repo = prep.cwd;
    const problems: Problem[] = [];
    if (out.code !== 0) {
      pre.delete(repo);
      return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? problems : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    }
    const removedFiles = new Set(c.dryRun ? [] : c.targets.flatMap((t) => ARTEFACTS[t] ?? []));
    problems.push(...(await kept(repo, (rel) => removedFiles.has(rel.split("/").slice(1).join("/")))));
    if (c.dryRun) return { verdict: "accepted", problems };
    const m = manifestOf(repo, await fs.readFile(path.join(repo, "mcp-monorepo.yaml"), "utf8"));
    for (const t of c.targets) if (m?.targets.includes(t)) problems.push({ kind: "partial-tree", detail: `${t} still in targets after remove-target` });
    // The hand-edited Dockerfile survives without --force.
    if (c.variant === "edited-artefact" && c.targets.includes("docker") && !c.force && !(await fs.readFile(path.join(repo, "server-ops", "Dockerfile"), "utf8").catch(() => "")).includes("our own tweak")) {
      problems.push({ kind: "user-data-lost", detail: "a hand-edited Dockerfile was deleted without --force" });
    }
    problems.push(...(await checkTreeFiles(repo)).problems);
    const names = (await manifestNames(repo)) ?? [];
    const clean = c.variant === "plain" && !(m?.targets.includes("k8s") && !m.targets.includes("docker"));
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean, importable: [] } };
  },
};
