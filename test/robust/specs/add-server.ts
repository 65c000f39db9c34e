// `add-server NAME [--description] [--yes] [--dry-run] [--cwd]` on a monorepo whose root files may be symlinks out of it, with server folders already taken by a file or a link.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { parseManifest } from "../../../src/monorepo/manifest.js";
import { toIdentifier } from "../../../src/monorepo/names.js";
import { copyTemplate, LISTING_FILES, manifestNames, USER_YAML_COMMENT } from "../fixture.js";
import { checkTreeFiles, looksLikeCrash, resolveTokens, type Problem, type Sandbox } from "../harness.js";
import { description, hostileString, serverName } from "../hostile.js";
import { isInside, type CommandSpec } from "../spec.js";

type AddVariant = "plain" | "readme-symlink" | "env-symlink" | "manifest-symlink" | "shared-symlink" | "server-dir-symlink" | "server-dir-file" | "no-markers";

interface AddCase {
  name: string;
  description: string | null;
  yes: boolean;
  dryRun: boolean;
  cwd: string | null;
  variant: AddVariant;
}

const addCase: fc.Arbitrary<AddCase> = fc.record({
  name: serverName,
  description: fc.option(description, { freq: 4 }),
  yes: fc.boolean(),
  dryRun: fc.boolean().map((b) => b && Math.random() < 0.3),
  cwd: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(".", "server-ops", "server-ops/src/shared", "shared", "..", "@SENTINEL@", "@BOX@", "missing-dir", "README.md") }, { weight: 1, arbitrary: hostileString }), { freq: 3 }),
  variant: fc.constantFrom<AddVariant>("plain", "plain", "plain", "plain", "plain", "readme-symlink", "env-symlink", "manifest-symlink", "shared-symlink", "server-dir-symlink", "server-dir-file", "no-markers"),
});

async function layAddVariant(repo: string, c: AddCase, box: Sandbox): Promise<void> {
  const link = async (rel: string, to: string) => {
    await fs.copyFile(path.join(repo, rel), to);
    await fs.rm(path.join(repo, rel));
    await fs.symlink(to, path.join(repo, rel));
  };
  switch (c.variant) {
    case "readme-symlink":
      return link("README.md", path.join(box.sentinel, "README.md"));
    case "env-symlink":
      return link(".env.example", path.join(box.sentinel, "env.example"));
    case "manifest-symlink":
      return link("mcp-monorepo.yaml", path.join(box.sentinel, "mcp-monorepo.yaml"));
    case "shared-symlink":
      return link("shared/config.py", path.join(box.sentinel, "shared-config.py"));
    case "server-dir-symlink":
      if (/^[a-z0-9-]{1,40}$/.test(c.name)) await fs.symlink(path.join(box.sentinel, "empty-dir"), path.join(repo, `server-${c.name}`));
      return;
    case "server-dir-file":
      if (/^[a-z0-9-]{1,40}$/.test(c.name)) await fs.writeFile(path.join(repo, `server-${c.name}`), "a user file\n");
      return;
    case "no-markers": {
      const readme = await fs.readFile(path.join(repo, "README.md"), "utf8");
      return fs.writeFile(path.join(repo, "README.md"), readme.replace(/<!-- mcp-monorepo:deployment-table:[^\n]*\n/g, ""));
    }
    case "plain":
      return;
  }
}

/** Lines outside the generated README table (what users wrote). */
function userReadmeLines(text: string): string[] {
  const start = text.indexOf("<!-- mcp-monorepo:deployment-table:start");
  const end = text.indexOf("<!-- mcp-monorepo:deployment-table:end");
  const outside = start >= 0 && end > start ? text.slice(0, start) + text.slice(end) : text;
  return outside.split("\n").filter((l) => l.trim() && !l.startsWith("<!--"));
}

export const addServerSpec: CommandSpec<AddCase> = {
  name: "add-server",
  runs: 300,
  cases: addCase,
  refusalCode: [1, 2],
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    await layAddVariant(repo, c, box);
    const argv = ["add-server", c.name];
    if (c.description !== null) argv.push("--description", c.description);
    if (c.yes) argv.push("--yes");
    if (c.dryRun) argv.push("--dry-run");
    let cwdArg = c.cwd === null ? null : resolveTokens(c.cwd, box);
    if (cwdArg !== null && !isInside(path.resolve(repo, cwdArg.replaceAll("\u0000", "")), box.root)) cwdArg = `escaped-${cwdArg.replace(/[/\\]/g, "_")}`;
    if (cwdArg !== null) argv.push("--cwd", cwdArg);
    const before = new Map<string, Buffer>();
    for (const rel of [...LISTING_FILES]) before.set(rel, await fs.readFile(path.join(repo, rel)));
    preState.set(repo, before);
    return { cwd: repo, argv, writable: c.dryRun ? [] : [repo] };
  },
  async judge(c, prep, out, changed, box) {
    const problems: Problem[] = [];
    if (out.code !== 0) return { verdict: "accepted", problems: looksLikeCrash(out.stderr) ? [] : [{ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    if (c.dryRun) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `--dry-run wrote ${changed.slice(0, 5).join(", ")}` });
      return { verdict: "accepted", problems };
    }
    const repo = prep.cwd;
    const relRepo = path.relative(box.root, repo).split(path.sep).join("/");
    const names = (await manifestNames(repo)) ?? [];
    const added = names.filter((n) => n !== "ops" && n !== "billing");
    if (added.length !== 1) problems.push({ kind: "invalid-file", detail: `manifest servers after add-server: ${JSON.stringify(names)}` });
    const folder = `server-${added[0]}`;
    for (const p of changed) {
      if (!p.startsWith(`${relRepo}/`)) continue; // outside: counted by the generic check
      const rel = p.slice(relRepo.length + 1);
      if (rel.startsWith(`${folder}/`) || rel === `${folder}/` || LISTING_FILES.has(rel) || rel.startsWith(".mcp-monorepo.busy")) continue;
      problems.push({ kind: "user-data-lost", detail: `add-server changed ${rel}, which it does not own` });
    }
    const before = preState.get(repo)!;
    const now = async (rel: string) => fs.readFile(path.join(repo, rel), "utf8").catch(() => "");
    if (!(await now(".env.example")).startsWith(before.get(".env.example")!.toString("utf8").trimEnd())) problems.push({ kind: "user-data-lost", detail: ".env.example lost its old content" });
    if (!(await now("mcp-monorepo.yaml")).includes(USER_YAML_COMMENT)) problems.push({ kind: "user-data-lost", detail: "mcp-monorepo.yaml lost the user's comment" });
    const readmeNow = await now("README.md");
    for (const l of userReadmeLines(before.get("README.md")!.toString("utf8"))) {
      if (!readmeNow.includes(l)) problems.push({ kind: "user-data-lost", detail: `README.md lost the user line ${JSON.stringify(l.slice(0, 80))}` });
    }
    if (c.description?.trim()) {
      const m = parseManifest(await now("mcp-monorepo.yaml"), repo).manifest.servers.find((s) => s.name === added[0]);
      if (m?.description !== c.description) problems.push({ kind: "invalid-file", detail: `description did not round-trip: ${JSON.stringify(m?.description)?.slice(0, 100)}` });
    }
    problems.push(...(await checkTreeFiles(repo)).problems);
    return { verdict: "accepted", problems, deferred: { tree: repo, idents: names.map(toIdentifier), clean: true, importable: added.length ? [path.join(repo, folder, "src")] : [] } };
  },
};

const preState = new Map<string, Map<string, Buffer>>();
