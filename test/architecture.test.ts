// The dependency rules of src/: layers read top-down
//   cli > commands > features (add-server, add-target, sync, lock, check, verify, bundle, prompts, list, remove-server,
//   remove-target, rename-server,
//   test-servers, affected, dev, upgrade) > scaffold > monorepo > kernel
// a feature uses another feature only through that feature's index.ts, and no module imports
// itself back through a chain of imports. Every import counts: static, dynamic (`import()`),
// type-only and re-exports. Parsed with the TypeScript compiler, in process (no build, no tsc run).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

/** One import of one src/ module by another (POSIX paths relative to the repository, `.ts`). */
interface Edge {
  from: string;
  to: string;
}

/**
 * Known violations in files other branches are rewriting, each removed when that branch merges
 * (the last test fails for an entry that no longer matches an import, so a stale one is noticed).
 * Only these edges are exempt from the layer, feature and cycle rules below.
 */
// Known violations waiting for a change that removes them (each with the reason); empty since every
// architecture branch merged. A stale entry fails the test below.
const PENDING: ReadonlyArray<Edge & { why: string }> = [];

const FEATURES = ["add-server", "add-target", "sync", "lock", "check", "verify", "bundle", "prompts", "list", "remove-server", "remove-target", "rename-server", "test-servers", "affected", "dev", "upgrade"] as const;
/** Layers from the bottom up: a module may import its own layer or a lower one. */
const LAYERS = ["kernel", "monorepo", "scaffold", "feature", "commands", "cli"] as const;
type Layer = (typeof LAYERS)[number];

/** The layer of a src/ module, and its feature for the feature layer; null for a file outside every layer. */
export function layerOf(file: string): { layer: Layer; feature?: string } | null {
  if (file === "src/cli.ts") return { layer: "cli" };
  if (file === "src/version.ts") return { layer: "kernel" };
  const top = file.split("/")[1];
  if (top === "commands") return { layer: "commands" };
  if (top === "scaffold" || top === "monorepo" || top === "kernel") return { layer: top };
  if ((FEATURES as readonly string[]).includes(top!)) return { layer: "feature", feature: top };
  return null;
}

/** Layer violations: an import of a higher layer. */
export function layerViolations(edges: readonly Edge[]): string[] {
  const rank = (f: string) => LAYERS.indexOf(layerOf(f)!.layer);
  return edges.filter((e) => rank(e.to) > rank(e.from)).map((e) => `${e.from} (${layerOf(e.from)!.layer}) imports ${e.to} (${layerOf(e.to)!.layer})`);
}

/** Feature violations: a feature importing another feature's module other than its index.ts. */
export function featureViolations(edges: readonly Edge[]): string[] {
  return edges
    .filter((e) => {
      const a = layerOf(e.from)!;
      const b = layerOf(e.to)!;
      return a.feature && b.feature && a.feature !== b.feature && e.to !== `src/${b.feature}/index.ts`;
    })
    .map((e) => `${e.from} imports ${e.to}: import src/${layerOf(e.to)!.feature}/index.ts instead (export what other features need there)`);
}

/** Import cycles: each strongly connected component of more than one module (or a module importing itself), as a sorted list. */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    if (!next.has(e.to)) next.set(e.to, []);
    next.get(e.from)!.push(e.to);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.includes(v)) found.push(scc.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** Every import between src/ modules, read from the TypeScript syntax tree. */
function srcImports(): { files: string[]; edges: Edge[] } {
  const files = readdirSync(path.join(ROOT, "src"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `src/${f.split(path.sep).join("/")}`)
    .sort();
  const known = new Set(files);
  const edges: Edge[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
    const add = (spec: ts.Expression | undefined) => {
      if (!spec || !ts.isStringLiteralLike(spec) || !spec.text.startsWith(".")) return;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.text.replace(/\.js$/, ".ts")));
      if (!known.has(to)) throw new Error(`${file}: import ${spec.text} does not resolve to a src/ module`);
      edges.push({ from: file, to });
    };
    const walk = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
      ts.forEachChild(node, walk);
    };
    walk(source);
  }
  const seen = new Set<string>();
  return { files, edges: edges.filter((e) => !seen.has(`${e.from} ${e.to}`) && seen.add(`${e.from} ${e.to}`)) };
}

const isPending = (e: Edge) => PENDING.some((p) => p.from === e.from && p.to === e.to);

describe("the checks themselves (on made-up graphs)", () => {
  it("find a lower layer importing a higher one, a feature's internals imported by another, and a cycle", () => {
    const edges: Edge[] = [
      { from: "src/monorepo/a.ts", to: "src/scaffold/b.ts" },
      { from: "src/kernel/c.ts", to: "src/cli.ts" },
      { from: "src/sync/x.ts", to: "src/check/run.ts" },
      { from: "src/sync/y.ts", to: "src/check/index.ts" },
      { from: "src/check/run.ts", to: "src/sync/index.ts" },
      { from: "src/sync/index.ts", to: "src/sync/x.ts" },
    ];
    expect(layerViolations(edges)).toEqual(["src/monorepo/a.ts (monorepo) imports src/scaffold/b.ts (scaffold)", "src/kernel/c.ts (kernel) imports src/cli.ts (cli)"]);
    expect(featureViolations(edges)).toEqual([expect.stringContaining("src/sync/x.ts imports src/check/run.ts")]);
    expect(cycles(edges)).toEqual([["src/check/run.ts", "src/sync/index.ts", "src/sync/x.ts"]]);
    expect(cycles([{ from: "src/kernel/a.ts", to: "src/kernel/a.ts" }])).toEqual([["src/kernel/a.ts"]]);
    expect(cycles([{ from: "src/kernel/a.ts", to: "src/kernel/b.ts" }])).toEqual([]);
  });
});

describe("src/ dependency rules", () => {
  const { files, edges } = srcImports();
  const checked = edges.filter((e) => !isPending(e));

  it("reads a plausible graph (every module, hundreds of imports)", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(300);
    // dynamic and type-only imports are seen too
    expect(edges).toContainEqual({ from: "src/scaffold/targets.ts", to: "src/scaffold/render.ts" });
    expect(edges).toContainEqual({ from: "src/scaffold/targets.ts", to: "src/scaffold/template-data.ts" });
  });

  it("every src/ module belongs to a layer", () => {
    expect(files.filter((f) => layerOf(f) === null)).toEqual([]);
  });

  it("no module imports a higher layer", () => {
    expect(layerViolations(checked)).toEqual([]);
  });

  it("a feature imports another feature only through its index.ts", () => {
    expect(featureViolations(checked)).toEqual([]);
  });

  it("no import cycles", () => {
    expect(cycles(checked)).toEqual([]);
  });

  it("one process runner: only src/kernel/proc.ts imports node:child_process", () => {
    // Every child process goes through runProcess/startProcess (process groups, Ctrl-C, timeouts).
    const importers = files.filter((f) => /from\s+["'](node:)?child_process["']|import\(\s*["'](node:)?child_process["']\s*\)/.test(readFileSync(path.join(ROOT, f), "utf8")));
    expect(importers).toEqual(["src/kernel/proc.ts"]);
  });

  it("every pending exemption still matches an import (remove an entry once its branch has merged)", () => {
    const stale = PENDING.filter((p) => !edges.some((e) => e.from === p.from && e.to === p.to));
    expect(stale.map((p) => `${p.from} -> ${p.to}`)).toEqual([]);
    // and each one is a real violation, not an ordinary import
    const pendingEdges = edges.filter(isPending);
    const cycleFiles = new Set(cycles(edges).flat());
    for (const e of pendingEdges) {
      const violates = layerViolations([e]).length + featureViolations([e]).length > 0 || (cycleFiles.has(e.from) && cycleFiles.has(e.to));
      expect(violates, `${e.from} -> ${e.to} breaks no rule: remove it from PENDING`).toBe(true);
    }
  });
});
