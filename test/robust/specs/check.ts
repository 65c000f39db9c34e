// `check [flags]` on servers with huge, deep, binary and badly encoded sources, symlink loops and hostile config files. check is read-only: it must write nothing.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import path from "node:path";
import { copyTemplate } from "../fixture.js";
import { resolveTokens, type Problem, type Sandbox } from "../harness.js";
import { hostileString } from "../hostile.js";
import { fileName } from "./sync.js";
import type { CommandSpec } from "../spec.js";

/** Python-ish sources that stress a parser: huge, deep, binary, badly encoded. */
export const hostileSource: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileString.map((h) => `from fastmcp import FastMCP\nmcp = FastMCP(${JSON.stringify(h)})\n`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => `from fastmcp import FastMCP\nmcp = FastMCP("big")\n` + Array.from({ length: n }, (_, i) => `x${i} = ${i}  # line ${i}`).join("\n") + "\n") },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("(", "[", "{", "-", "not ", "lambda: ", "f("), fc.integer({ min: 50, max: 200_000 })).map(([o, n]) => `x = ${o.repeat(n)}1\n`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 100_000 }).map((n) => `x = ${"1 + ".repeat(n)}1\n`) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => `${"    ".repeat(i)}if x:`).join("\n") + `\n${"    ".repeat(n)}pass\n`) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom<string | Buffer>(Buffer.from([0xff, 0xfe, 0x00, 0x78, 0x3d, 0x31]), Buffer.from("x = '\xe9'\n", "latin1"), Buffer.from("# -*- coding: latin-1 -*-\nx = '\xe9'\n", "latin1"), Buffer.from("# -*- coding: klingon -*-\n"), "\ufeffimport os\nmcp = None\n", "x = 1\r\ry = 2\r", "import os\nos.getenv(\u0000)\n", "\u0000\u0000\u0000", "") },
);

type CheckOp =
  | { op: "server-py"; content: string | Buffer }
  | { op: "extra-py"; name: string; content: string | Buffer }
  | { op: "symlink-loop"; kind: "self" | "pair" | "up" | "out" }
  | { op: "text"; file: "fastmcp.json" | "requirements.txt" | ".env.example" | ".python-version" | "pyproject.toml"; content: string }
  | { op: "manifest"; content: string };

interface CheckCase {
  ops: CheckOp[];
  flags: string[];
}

const checkOp: fc.Arbitrary<CheckOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("server-py" as const), content: hostileSource }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("extra-py" as const), name: fileName.map((n) => n.replace(/\.\w*$/, "") + ".py"), content: hostileSource }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("symlink-loop" as const), kind: fc.constantFrom("self" as const, "pair" as const, "up" as const, "out" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("text" as const),
      file: fc.constantFrom("fastmcp.json" as const, "requirements.txt" as const, ".env.example" as const, ".python-version" as const, "pyproject.toml" as const),
      content: fc.oneof(hostileString, fc.integer({ min: 10, max: 100_000 }).map((n) => "[".repeat(n) + "]".repeat(n)), fc.json()),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("manifest" as const),
      content: fc.oneof(hostileString, fc.constantFrom("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "servers: !!python/object/apply:os.system ['id']\n", "%YAML 9.9\n---\n", "servers:\n  - name: ../../etc\n    folder: ../../etc\n")),
    }),
  },
);
const checkFlags = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(["--strict"], ["--json"], ["--strict"], ["--json"], ["--strict", "--json"], ["-s", "ops"], ["-s", "server-billing"], ["--target", "docker"], ["--target", "k8s"], ["--target", "mcpb"], ["--target", "heroku"], ["--interpreter", "/nonexistent/python3"], ["--interpreter", "@SENTINEL@/config.py"], ["--interpreter", "true"], ["--python", "3.12"], ["--cwd", "server-ops/src"], ["--cwd", "@SENTINEL@"]) },
    { weight: 1, arbitrary: hostileString.map((h) => ["-s", h]) },
  ),
  { maxLength: 3 },
).map((a) => a.flat());

async function applyCheckOp(repo: string, op: CheckOp, box: Sandbox): Promise<void> {
  const src = path.join(repo, "server-ops", "src");
  switch (op.op) {
    case "server-py":
      return fs.writeFile(path.join(src, "server.py"), op.content);
    case "extra-py":
      await fs.mkdir(path.dirname(path.join(src, op.name)), { recursive: true }).catch(() => undefined);
      return fs.writeFile(path.join(src, op.name), op.content).catch(() => undefined);
    case "symlink-loop":
      if (op.kind === "self") return fs.symlink("loop", path.join(src, "loop")).catch(() => undefined);
      if (op.kind === "pair") {
        await fs.symlink("b", path.join(src, "a")).catch(() => undefined);
        return fs.symlink("a", path.join(src, "b")).catch(() => undefined);
      }
      if (op.kind === "up") return fs.symlink("..", path.join(src, "up")).catch(() => undefined);
      return fs.symlink(box.sentinel, path.join(src, "outside")).catch(() => undefined);
    case "text":
      return fs.writeFile(path.join(repo, "server-ops", op.file), op.content);
    case "manifest":
      return fs.appendFile(path.join(repo, "mcp-monorepo.yaml"), `\n${op.content}\n`);
  }
}

export const checkSpec: CommandSpec<CheckCase> = {
  name: "check",
  runs: 200,
  cases: fc.record({ ops: fc.array(checkOp, { minLength: 1, maxLength: 3 }), flags: checkFlags }),
  refusalCode: 2,
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    for (const op of c.ops) await applyCheckOp(repo, op, box);
    return { cwd: repo, argv: ["check", ...c.flags.map((f) => resolveTokens(f, box))], writable: [] };
  },
  async judge(c, _prep, out) {
    const problems: Problem[] = [];
    if (out.code !== 0 && out.code !== 1) problems.push({ kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` });
    if (out.stderr.trim()) problems.push({ kind: "unclear-error", detail: `check printed to stderr while it ran: ${out.stderr.slice(0, 300)}` });
    if (c.flags.includes("--json")) {
      try {
        JSON.parse(out.stdout);
      } catch {
        problems.push({ kind: "invalid-file", detail: `--json printed no JSON: ${out.stdout.slice(0, 200)}` });
      }
    }
    return { verdict: out.code === 1 ? "findings" : "accepted", problems };
  },
};

