// `upgrade [--dry-run] [--check] [--json] [--no-lock] [--from-package FILE] [--cwd DIR]` on a
// monorepo made by create-mcp-monorepo 0.1.0 (built from adc70d6) that the user edited: lines of
// their own (hostile text) added to generated files, generated files deleted, lines 0.2.0 changes
// changed too (conflicts); a manifest whose generator is missing or newer; package tarballs that
// are missing or not packages. An accepted run keeps every line the user wrote and every file they
// deleted deleted, writes conflicts as inline markers (exit 1, each conflicted file listed), never a
// .rej file, and moves generator: to 0.2.0; --check and --dry-run write nothing.
import fc from "fast-check";
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { oldGeneratorBin, oldGeneratorTarball } from "../../helpers/old-generator.js";
import { looksLikeCrash, resolveTokens, type Problem, type Sandbox } from "../harness.js";
import { hostileString } from "../hostile.js";
import type { CommandSpec, Prepared } from "../spec.js";

let template: Promise<string> | null = null;
/** A 0.1.0 monorepo (ops and billing, every target), made once per process. */
function oldTemplate(): Promise<string> {
  template ??= (async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-upgrade-prop-"));
    await promisify(execFile)(process.execPath, [await oldGeneratorBin(), "create", "demo", "--server", "ops", "--server", "billing", "--target", "fastmcp-cloud", "--target", "docker", "--target", "k8s", "--target", "mcpb", "--no-git"], { cwd: parent });
    return path.join(parent, "demo");
  })();
  return template;
}

/** Generated files a line of the user's may go into, as a comment where the format has them. */
const COMMENTED = [
  "README.md",
  ".gitignore",
  ".env.example",
  ".github/workflows/ci.yml",
  ".pre-commit-config.yaml",
  "shared/config.py",
  "shared/requirements.txt",
  "server-ops/src/server.py",
  "server-ops/Dockerfile",
  "server-ops/k8s.yaml",
  "server-ops/.mcpbignore",
  "server-ops/.dockerignore",
  "server-ops/.env.example",
  "server-ops/requirements.txt",
  "server-billing/requirements-dev.txt",
  "server-billing/tests/test_tools.py",
  "mcp-monorepo.yaml",
] as const;
/** Generated files a user may delete. */
const DELETABLE = [".pre-commit-config.yaml", ".gitattributes", "server-ops/.dockerignore", "server-billing/k8s.yaml", "server-ops/requirements-dev.txt", "server-billing/tests/test_http.py", "shared/pagination.py"] as const;
/** Lines 0.2.0 changes, and what the user changed them to: a conflict. */
const CONFLICTS: Record<string, [string, string]> = {
  "server-ops/fastmcp.json": ['"python": ">=3.12"', '"python": ">=3.12.9"'],
  ".gitattributes": ["# LF line endings everywhere", "# LF line endings everywhere (ours)"],
  ".github/workflows/ci.yml": ["      - run: pip install -r requirements.txt -r requirements-dev.txt", "      - run: pip install -r requirements.txt -r requirements-dev.txt --quiet"],
};

type Edit = { kind: "line"; file: (typeof COMMENTED)[number]; text: string; top: boolean } | { kind: "delete"; file: (typeof DELETABLE)[number] } | { kind: "conflict"; file: string };

interface UpgradeCase {
  edits: Edit[];
  dryRun: boolean;
  check: boolean;
  json: boolean;
  cwd: string | null;
  pkg: "good" | "missing" | "not-a-tarball";
  generator: "recorded" | "missing" | "newer";
}

/** One printable line (the user's own text; control characters and line breaks made visible). */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g, "?").slice(0, 120);

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("line" as const), file: fc.constantFrom(...COMMENTED), text: fc.oneof(fc.constantFrom("our note", "TODO: rotate keys", "{{ not a template }} | pipe", "<<<<<<< not ours"), hostileString).map(oneLine), top: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), file: fc.constantFrom(...DELETABLE) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("conflict" as const), file: fc.constantFrom(...Object.keys(CONFLICTS)) }) },
);

const rare = fc.boolean().map((b) => b && Math.random() < 0.25);

/** The text of a user's line in a file: a comment where the format has them. */
function userLine(file: string, text: string): string {
  return file.endsWith(".md") ? `Our own line: ${text}` : `# ours: ${text}`;
}

export const upgradeSpec: CommandSpec<UpgradeCase> = {
  name: "upgrade",
  runs: 30,
  cases: fc.record({
    edits: fc.array(edit, { minLength: 0, maxLength: 5 }),
    dryRun: rare,
    check: rare,
    json: fc.boolean(),
    cwd: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(".", "server-ops", "shared", "@SENTINEL@", "missing-dir") }),
    pkg: fc.oneof({ weight: 8, arbitrary: fc.constant("good" as const) }, { weight: 1, arbitrary: fc.constantFrom("missing" as const, "not-a-tarball" as const) }),
    generator: fc.oneof({ weight: 8, arbitrary: fc.constant("recorded" as const) }, { weight: 1, arbitrary: fc.constantFrom("missing" as const, "newer" as const) }),
  }),
  refusalCode: [1, 2],
  async prepare(c, box): Promise<Prepared> {
    const repo = path.join(box.work, "demo");
    await fs.cp(await oldTemplate(), repo, { recursive: true });
    const abs = (rel: string) => path.join(repo, ...rel.split("/"));
    for (const e of c.edits) {
      const text = await fs.readFile(abs(e.file), "utf8").catch(() => null);
      if (text === null) continue;
      if (e.kind === "delete") await fs.rm(abs(e.file));
      else if (e.kind === "conflict") await fs.writeFile(abs(e.file), text.replace(...CONFLICTS[e.file]!));
      else await fs.writeFile(abs(e.file), e.top && !e.file.endsWith(".yaml") && !e.file.endsWith(".yml") ? `${userLine(e.file, e.text)}\n${text}` : `${text}${userLine(e.file, e.text)}\n`);
    }
    const manifest = abs("mcp-monorepo.yaml");
    if (c.generator !== "recorded") {
      const text = await fs.readFile(manifest, "utf8").catch(() => null);
      if (text !== null) await fs.writeFile(manifest, text.replace(/^generator: .*\n/m, c.generator === "newer" ? "generator: create-mcp-monorepo@9.0.0\n" : ""));
    }
    const pkg = c.pkg === "good" ? await oldGeneratorTarball() : c.pkg === "missing" ? path.join(box.work, "missing.tgz") : path.join(box.sentinel, "keep.txt");
    const cwd = c.cwd === null ? repo : path.resolve(repo, resolveTokens(c.cwd, box));
    const argv = ["upgrade", "--from-package", pkg, "--no-lock", ...(c.dryRun ? ["--dry-run"] : []), ...(c.check ? ["--check"] : []), ...(c.json ? ["--json"] : [])];
    // The unpacked generator is cached beside the sandboxes' shared cache (the user cache folder).
    return { cwd, argv, writable: c.dryRun || c.check ? [] : [repo], env: { MCPM_CACHE_DIR: path.join(os.tmpdir(), "mcpm-upgrade-prop-cache") } };
  },
  async judge(c, prep, out, changed): Promise<{ verdict: "accepted"; problems: Problem[]; deferred?: { tree: string; idents: string[]; clean: boolean; importable: string[] } }> {
    const problems: Problem[] = [];
    const root = prep.writable[0] ?? null;
    if (out.code !== 0 && out.code !== 1) {
      if (!looksLikeCrash(out.stderr)) problems.push({ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` });
      return { verdict: "accepted", problems };
    }
    if (c.dryRun || c.check) {
      if (changed.length) problems.push({ kind: "partial-tree", detail: `${c.check ? "--check" : "--dry-run"} wrote ${changed.slice(0, 5).join(", ")}` });
      return { verdict: "accepted", problems };
    }
    if (root === null) return { verdict: "accepted", problems: [{ kind: "partial-tree", detail: "no tree to judge" }] };
    const abs = (rel: string) => path.join(root, ...rel.split("/"));
    const read = (rel: string) => fs.readFile(abs(rel), "utf8").catch(() => null);
    for (const e of c.edits) {
      if (e.kind === "line") {
        const line = userLine(e.file, e.text);
        const deleted = c.edits.some((d) => d.kind === "delete" && d.file === e.file);
        // A line of requirements(-dev).txt moves into the server's pyproject.toml with the migration.
        const pyproject = /^(server-[^/]+)\/requirements(-dev)?\.txt$/.exec(e.file);
        const places = [await read(e.file), pyproject ? await read(`${pyproject[1]}/pyproject.toml`) : null];
        if (!deleted && !places.some((t) => t?.includes(line.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, "?")))) problems.push({ kind: "user-data-lost", detail: `${e.file} lost the user's line ${JSON.stringify(line)}` });
      } else if (e.kind === "delete") {
        if ((await read(e.file)) !== null) problems.push({ kind: "user-data-lost", detail: `${e.file}, which the user deleted, is back` });
      }
    }
    // The files upgrade lists as conflicted (a line of the user's next to one 0.2.0 changes conflicts too, as in git).
    const listed = c.json ? ((JSON.parse(out.stdout) as { conflicts?: string[] }).conflicts ?? []) : (/with conflicts[^\n]*\n((?: {2}\S[^\n]*\n)*)/.exec(out.stdout)?.[1] ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
    const expected = [...new Set(c.edits.filter((e) => e.kind === "conflict").map((e) => e.file))].filter((f) => !c.edits.some((d) => d.kind === "delete" && d.file === f));
    for (const f of expected) if (!listed.includes(f)) problems.push({ kind: "unclear-error", detail: `${f}: the user changed a line 0.2.0 changes, but it is not listed as conflicted (${listed.join(", ")})` });
    for (const f of listed) {
      const now = (await read(f)) ?? "";
      if (!now.includes("<<<<<<< ours\n") || !now.includes(">>>>>>> create-mcp-monorepo@0.2.0\n")) problems.push({ kind: "invalid-file", detail: `${f} is listed as conflicted but holds no conflict markers` });
    }
    if ((out.code === 1) !== listed.length > 0) problems.push({ kind: "unclear-error", detail: `exit ${out.code} with ${listed.length} file(s) listed as conflicted: ${out.stdout.slice(-300)}` });
    const rej = (await fs.readdir(root, { recursive: true })).filter((n) => /\.(rej|orig)$/.test(String(n)));
    if (rej.length) problems.push({ kind: "invalid-file", detail: `.rej/.orig files written: ${rej.join(", ")}` });
    const manifest = await read("mcp-monorepo.yaml");
    if (manifest !== null && !manifest.includes("generator: create-mcp-monorepo@0.2.0\n")) problems.push({ kind: "invalid-file", detail: "generator: did not move to 0.2.0" });
    // A tree without deletions or conflicts must pass sync --check and check --strict.
    // (A line added to shared/config.py and not synced leaves the vendored copies stale: the user's state, not upgrade's.)
    const clean = out.code === 0 && !c.edits.some((e) => e.kind === "delete" || e.file === "shared/config.py");
    if (c.json && out.code === 0 && !(JSON.parse(out.stdout) as { ok?: boolean }).ok) problems.push({ kind: "unclear-error", detail: "exit 0 with ok: false" });
    return { verdict: "accepted", problems, deferred: { tree: root, idents: [], clean, importable: clean ? [path.join(root, "server-ops", "src")] : [] } };
  },
};
