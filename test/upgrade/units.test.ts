import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/monorepo/manifest.js";
import { monorepoOf } from "../../src/monorepo/monorepo.js";
import { readPyproject } from "../../src/monorepo/pyproject.js";
import { renderServerRequirements } from "../../src/monorepo/requirements.js";
import { conflictMarkerLines, decideFile, mergeText, migrateServer, recordedVersion, withGenerator } from "../../src/upgrade/index.js";
import { createArguments } from "../../src/upgrade/base.js";
import { MigrationRefusal, type ServerLayout } from "../../src/upgrade/migrate.js";

// The merge planner and the layout migrations of `upgrade`, in process (no package, no Python).

const V = "9.9.9";
const b = (s: string) => Buffer.from(s, "utf8");
const lines = (...l: string[]) => `${l.join("\n")}\n`;

describe("decideFile: one generated file, three ways", () => {
  const base = lines("a", "b", "c", "d", "e");
  it("replaces a file the user did not edit", () => {
    const d = decideFile({ base: b(base), theirs: b(lines("a", "B", "c", "d", "e")), ours: b(base) }, V);
    expect(d.outcome).toBe("replaced");
    expect(d.content!.toString()).toBe(lines("a", "B", "c", "d", "e"));
  });
  it("merges edits on different lines", () => {
    const d = decideFile({ base: b(base), theirs: b(lines("a", "B", "c", "d", "e")), ours: b(lines("a", "b", "c", "d", "E", "mine")) }, V);
    expect(d.outcome).toBe("merged");
    expect(d.content!.toString()).toBe(lines("a", "B", "c", "d", "E", "mine"));
  });
  it("writes git-style markers (ours, base, this version) where both changed the same lines", () => {
    const d = decideFile({ base: b(base), theirs: b(lines("a", "b", "THEIRS", "d", "e")), ours: b(lines("a", "b", "OURS", "d", "e")) }, V);
    expect(d.outcome).toBe("conflict");
    expect(d.conflicts).toBe(1);
    expect(d.content!.toString()).toBe(lines("a", "b", "<<<<<<< ours", "OURS", "||||||| base", "c", "=======", "THEIRS", ">>>>>>> create-mcp-monorepo@9.9.9", "d", "e"));
    expect(conflictMarkerLines(d.content!.toString())).toEqual([3, 9]);
  });
  it("the same change on both sides is no conflict", () => {
    expect(decideFile({ base: b(base), theirs: b(lines("a", "X", "c", "d", "e")), ours: b(lines("a", "X", "c", "d", "e")) }, V).outcome).toBe("unchanged");
    const d = decideFile({ base: b(base), theirs: b(lines("a", "X", "c", "d", "e", "new")), ours: b(lines("a", "X", "c", "d", "e")) }, V);
    expect(d.outcome).toBe("merged");
    expect(d.content!.toString()).toBe(lines("a", "X", "c", "d", "e", "new"));
  });
  it("keeps a file only the user changed", () => {
    expect(decideFile({ base: b(base), theirs: b(base), ours: b(lines("mine")) }, V).outcome).toBe("kept");
  });
  it("a file the user deleted stays deleted", () => {
    expect(decideFile({ base: b(base), theirs: b(lines("new")), ours: null }, V)).toEqual({ outcome: "kept-deleted" });
  });
  it("a file new in this version is added, unless a file of the user's own is there", () => {
    expect(decideFile({ base: null, theirs: b("new\n"), ours: null }, V)).toMatchObject({ outcome: "added", content: b("new\n") });
    expect(decideFile({ base: null, theirs: b("new\n"), ours: b("mine\n") }, V)).toEqual({ outcome: "kept-own" });
    expect(decideFile({ base: null, theirs: b("same\n"), ours: b("same\n") }, V).outcome).toBe("unchanged");
  });
  it("a file gone in this version is removed when untouched, kept when edited", () => {
    expect(decideFile({ base: b(base), theirs: null, ours: b(base) }, V)).toEqual({ outcome: "removed", delete: true });
    expect(decideFile({ base: b(base), theirs: null, ours: b(base + "mine\n") }, V)).toEqual({ outcome: "kept-edited" });
    expect(decideFile({ base: b(base), theirs: null, ours: null }, V).outcome).toBe("unchanged");
  });
  it("a CRLF file is merged as LF and keeps CRLF", () => {
    const r = mergeText("a\r\nb\r\nc\r\nmine\r\n", "a\nb\nc\n", "a\nB\nc\n", V);
    expect(r).toEqual({ text: "a\r\nB\r\nc\r\nmine\r\n", conflicts: 0 });
  });
  it("merging again after a clean merge changes nothing (idempotent)", () => {
    const theirs = lines("a", "B", "c", "d", "e");
    const first = mergeText(lines("a", "b", "c", "d", "E"), base, theirs, V);
    expect(mergeText(first.text, base, theirs, V)).toEqual(first);
  });
});

describe("the recorded version", () => {
  it("reads generator: create-mcp-monorepo@X and refuses anything else (exit 2)", () => {
    expect(recordedVersion({ generator: "create-mcp-monorepo@0.1.0" })).toBe("0.1.0");
    expect(() => recordedVersion({ generator: undefined })).toThrow(/records no generator version/);
    expect(() => recordedVersion({ generator: "other@1.0.0" })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it("moves generator: in place, comments and the rest kept", () => {
    const text = "# mine\nformatVersion: 1\ngenerator: create-mcp-monorepo@0.1.0  # pinned\nproject: p\npython: \"3.12\"\nrepository: o/p\nbranch: main\nservers: []\n";
    const repo = monorepoOf(parseManifest(text, "/x"));
    expect(withGenerator(repo, "0.2.0")).toBe(text.replace("@0.1.0", "@0.2.0"));
  });
  it("passes the manifest's answers to the old create as one argument each (descriptions may start with a dash)", () => {
    const repo = monorepoOf(parseManifest('formatVersion: 1\nproject: p\npython: "3.11"\nrepository: o/p\nbranch: dev\ntargets: [docker]\nservers:\n  - {name: ops, description: "-- odd", folder: server-ops, entrypoint: server-ops/src/server.py:mcp, requirements: server-ops/requirements.txt}\n', "/x"));
    expect(createArguments(repo.manifest)).toEqual(["--python=3.11", "--repository=o/p", "--branch=dev", "--server=ops", "--description=-- odd", "--target=docker", "--no-git", "--yes", "--json"]);
  });
});

describe("layout migration: requirements.txt + requirements-dev.txt → pyproject.toml", () => {
  const shared = "# shared\nhttpx>=0.27,<1\npython-dotenv>=1.0\n";
  const layout = (over: Partial<ServerLayout> = {}): ServerLayout => ({
    folder: "server-ops",
    description: "Ops \"tools\".",
    python: "3.12",
    sharedRequirements: shared,
    requirements: renderServerRequirements("server-ops", shared, ["starlette>=1.0", "uvicorn>=0.35", "tomli-w>=1.0  # ours"]),
    requirementsDev: "# Test-only\n-r requirements.txt\npytest>=8\npytest-asyncio\n",
    pyproject: null,
    ...over,
  });
  it("moves the user's lines into [project].dependencies, shared's into the managed block, dev's into the dev group", () => {
    const r = migrateServer(layout());
    expect(r.steps).toEqual(["requirements-to-pyproject"]);
    expect(r.deletes).toEqual(["requirements-dev.txt"]);
    const text = r.writes["pyproject.toml"]!;
    const facts = readPyproject(text);
    expect(facts.dependencies).toEqual(["fastmcp>=4.0,<5", "starlette>=1.0", "uvicorn>=0.35", "tomli-w>=1.0", "httpx>=0.27,<1", "python-dotenv>=1.0"]);
    expect(facts.groups).toEqual({ dev: ["pytest>=8", "pytest-asyncio"] });
    expect(facts.requiresPython).toBe(">=3.12");
    expect((parseToml(text) as { project: { description: string } }).project.description).toBe('Ops "tools".');
    expect(text).toContain("    # >>> shared requirements: managed by `mcp-monorepo sync`");
  });
  it("keeps the user's comments (own lines and trailing ones), not the generated headers", () => {
    const r = migrateServer(layout({ requirements: `${layout().requirements}# pinned for the ops team\n`, requirementsDev: "# Test-only requirements (not installed by FastMCP Cloud). Install both files:\n#   pip install -r requirements.txt -r requirements-dev.txt\npytest>=8  # the runner\n# ours: \u0007bell\n" }));
    const text = r.writes["pyproject.toml"]!;
    expect(text).toContain('    "tomli-w>=1.0",  # ours\n    # pinned for the ops team\n    # >>> shared requirements');
    expect(text).toContain('dev = [\n    "pytest>=8",  # the runner\n    # ours: ?bell\n]');
    expect(text).not.toContain("PyPI-only requirements");
    expect(text).not.toContain("Install both files");
    expect(readPyproject(text).groups).toEqual({ dev: ["pytest>=8"] });
    expect(r.notes[0]).toMatch(/: 5 requirement lines moved/);
  });
  it("is idempotent: a folder with pyproject.toml is current", () => {
    const once = migrateServer(layout());
    expect(migrateServer(layout({ pyproject: once.writes["pyproject.toml"]!, requirementsDev: null })).steps).toEqual([]);
  });
  it("without requirements-dev.txt the dev group is the generated one; nothing is deleted", () => {
    const r = migrateServer(layout({ requirementsDev: null }));
    expect(readPyproject(r.writes["pyproject.toml"]!).groups).toEqual({ dev: ["pytest>=8"] });
    expect(r.deletes).toEqual([]);
  });
  it("refuses a line pyproject.toml cannot hold, naming it", () => {
    expect(() => migrateServer(layout({ requirements: "fastmcp>=4.0,<5\n-e ../lib\n" }))).toThrow(MigrationRefusal);
    expect(() => migrateServer(layout({ requirements: "fastmcp>=4.0,<5\n--extra-index-url https://x\n" }))).toThrow(/"--extra-index-url https:\/\/x"/);
  });
});
