// `verify [-s NAME] [--env-file F] [--jobs N] [--url U --tool T --args J --header H] [--cwd]`
// with hostile names, env files (missing, a folder, a FIFO, NUL, outside), URLs (bad schemes,
// control characters, unparsable, a dead port, a tiny live MCP server in this process), headers,
// arguments and numbers, on trees with secrets (.env, .env.local: never printed) and broken
// manifests. verify writes nothing in the tree (its venvs live in the cache folder).
//
// A real local verification (venv, import, inspect, fastmcp run) happens only in REAL_RUNS cases,
// through the built CLI; every other local case names an interpreter that does not exist, so it
// is refused once the flags and the tree have been read.
import fc from "fast-check";
import * as fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { REPO_ROOT } from "../../helpers/python.js";
import { copyTemplate } from "../fixture.js";
import { looksLikeCrash, resolveTokens, SLOW, type Problem } from "../harness.js";
import { hostileString } from "../hostile.js";
import type { CommandSpec } from "../spec.js";

const execFileP = promisify(execFile);
const REAL_RUNS = Number(process.env.MCPM_VERIFY_REAL ?? (SLOW ? 4 : 1));
let realRuns = 0;
let livePasses = 0;
/** verify's venvs: kept between test runs (built once, ~30 s). */
const CACHE = path.join(REPO_ROOT, ".cache", "robust-verify");

let live: Promise<string> | null = null;
/** A tiny streamable-HTTP MCP server (official SDK, stateless) with one tool, `ping`; its /mcp URL. */
function liveServer(): Promise<string> {
  live ??= new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      if (!req.url?.startsWith("/mcp")) {
        res.writeHead(404).end();
        return;
      }
      const mcp = new McpServer({ name: "tiny", version: "1.0.0" });
      mcp.registerTool("ping", { description: "Answers pong." }, async () => ({ content: [{ type: "text", text: "pong" }] }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on("close", () => {
        void transport.close();
        void mcp.close();
      });
      void mcp.connect(transport).then(() => transport.handleRequest(req, res));
    });
    srv.unref();
    srv.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/mcp`));
  });
  return live;
}

type VerifyVariant = "plain" | "secrets" | "manifest-broken" | "server-missing" | "env-example-hostile";

interface VerifyCase {
  mode: "url" | "local";
  url: string;
  servers: string[];
  envFile: string | null;
  dotenv: boolean;
  headers: string[];
  args: string | null;
  tool: string | null;
  jobs: string | null;
  startTimeout: string | null;
  cwd: string | null;
  json: boolean;
  variant: VerifyVariant;
  real: boolean;
}

/** `arb` now and then, else null (`nulls` times as often). */
const sometimes = <T>(arb: fc.Arbitrary<T>, nulls: number) => fc.oneof({ weight: nulls, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const anyVerifyCase: fc.Arbitrary<VerifyCase> = fc.record({
  mode: fc.constantFrom<"url" | "local">("url", "url", "local"),
  url: fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom("@LIVE@", "@LIVE@", "@LIVE@", "@LIVE@", "http://127.0.0.1:9/mcp", "@LIVE@/../nothing", "@LIVE@?x={{y}}") },
    { weight: 3, arbitrary: fc.constantFrom("ftp://example.com/mcp", "http://", "not a url", "http://[::1", "javascript:alert(1)", "http://127.0.0.1:9/\nmcp", "", "file:///etc/passwd", "http://127.0.0.1:9/mcp\u0000", "http://\u202eevil/mcp", "HTTP://127.0.0.1:9/mcp", "http://user:pass@127.0.0.1:9/mcp") },
    { weight: 1, arbitrary: hostileString },
  ),
  servers: fc.oneof(
    { weight: 6, arbitrary: fc.constant<string[]>([]) },
    { weight: 3, arbitrary: fc.constantFrom<string[]>(["ops"], ["server-billing"], ["nope"], ["ops", "billing"], [""], ["../server-ops"]) },
    { weight: 1, arbitrary: hostileString.map((h) => [h]) },
  ),
  envFile: sometimes(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(".env", ".env", ".env.local", "server-ops/.env.example", "missing.env", "@SENTINEL@/keep.txt", "shared", "fifo.env", "a\u0000b", "", "..", "@SENTINEL@/../../..") }, { weight: 1, arbitrary: hostileString }), 3),
  dotenv: fc.boolean(),
  headers: fc.oneof({ weight: 5, arbitrary: fc.constant<string[]>([]) }, { weight: 2, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom("Authorization: Bearer abc", "X-Test: 1", "X-Test: 1", "bad", ": nothing", "X: a\nb", "X Y: z", "X:", "X-Null: a\u0000b") }, { weight: 1, arbitrary: hostileString }), { minLength: 1, maxLength: 2 }) }),
  args: sometimes(fc.oneof({ weight: 3, arbitrary: fc.constantFrom("{}", '{"page": 1}', "{}", "[1]", "{bad", "null", '"str"', "1") }, { weight: 1, arbitrary: hostileString }), 4),
  tool: sometimes(fc.oneof({ weight: 3, arbitrary: fc.constantFrom("ping", "ping", "nope") }, { weight: 1, arbitrary: hostileString }), 4),
  jobs: sometimes(fc.constantFrom("1", "2", "1", "2", "0", "-1", "abc", "1e3", "99999999999999999999", ""), 5),
  startTimeout: sometimes(fc.constantFrom("1", "30", "30", "0", "x"), 6),
  cwd: sometimes(fc.constantFrom(".", "server-ops", "server-ops/src", "..", "@SENTINEL@", "missing-dir", "README.md", "a\u0000b"), 3),
  json: fc.boolean(),
  variant: fc.constantFrom<VerifyVariant>("plain", "plain", "secrets", "secrets", "manifest-broken", "server-missing", "env-example-hostile"),
  real: fc.boolean(),
});

/**
 * A third of the cases are a plain `--url` of the live server (only `--json` and the tree's
 * secrets vary): every hostile dimension at once leaves too few accepted cases on some seeds
 * (5 of 50 on seed -1637505444), and the suite needs more than a tenth to test accepted runs.
 */
const verifyCase: fc.Arbitrary<VerifyCase> = fc.oneof(
  { weight: 2, arbitrary: anyVerifyCase },
  {
    weight: 1,
    arbitrary: anyVerifyCase.map((c) => ({ ...c, mode: "url" as const, url: "@LIVE@", servers: [], envFile: null, headers: [], args: null, tool: null, jobs: null, startTimeout: null, cwd: null, variant: c.variant === "secrets" ? ("secrets" as const) : ("plain" as const) })),
  },
);

const prepared = new Map<string, { secrets: string[] }>();

export const verifySpec: CommandSpec<VerifyCase> = {
  name: "verify",
  runs: 50,
  cases: verifyCase,
  refusalCode: [1, 2],
  figures: () => ({ "real local runs (built CLI)": realRuns, "live --url passes": livePasses }),
  async prepare(c, box) {
    const repo = await copyTemplate(box);
    const secrets: string[] = [];
    const abs = (rel: string) => path.join(repo, ...rel.split("/"));
    if (c.variant === "secrets" || c.envFile === ".env" || c.envFile === ".env.local") {
      for (const rel of [".env", ".env.local", "server-ops/.env", "server-ops/.env.local"]) {
        const s = `s3cr3t-${Math.random().toString(16).slice(2)}`;
        secrets.push(s);
        await fs.writeFile(abs(rel), `OPS_API_KEY=${s}\nexport OTHER_TOKEN="${s}"\n`);
      }
    }
    if (c.variant === "manifest-broken") await fs.writeFile(abs("mcp-monorepo.yaml"), (await fs.readFile(abs("mcp-monorepo.yaml"), "utf8")).replace(/^servers:/m, "servers: [unclosed\n  x:"));
    if (c.variant === "server-missing") await fs.rm(abs("server-billing"), { recursive: true });
    if (c.variant === "env-example-hostile") await fs.appendFile(abs("server-ops/.env.example"), "\nexport WEIRD='{{x}}\u202e'\n=novalue\nBAD NAME=1\nMULTI=\"a\nb\"\n");
    await execFileP("mkfifo", [abs("fifo.env")]).catch(() => undefined);

    const tok = (s: string) => resolveTokens(s, box);
    const real = c.mode === "local" && c.real && realRuns < REAL_RUNS && (c.variant === "plain" || c.variant === "secrets");
    const argv = ["verify"];
    if (real) {
      realRuns++;
      argv.push("-s", "ops");
      if (c.envFile === ".env") argv.push("--dotenv", ".env"); // Node exits 9 itself on a missing --env-file FILE: the bin runs get --dotenv
    } else {
      const url = c.url.startsWith("@LIVE@") ? c.url.replace("@LIVE@", await liveServer()) : c.url;
      if (c.mode === "url") argv.push("--url", url);
      for (const s of c.servers) argv.push("-s", s);
      if (c.envFile !== null) argv.push(c.dotenv ? "--dotenv" : "--env-file", tok(c.envFile));
      if (c.mode === "url") {
        for (const h of c.headers) argv.push("--header", h);
        if (c.args !== null) argv.push("--args", c.args);
        if (c.tool !== null) argv.push("--tool", c.tool);
      }
      if (c.jobs !== null) argv.push("--jobs", c.jobs);
      if (c.startTimeout !== null) argv.push("--start-timeout", c.startTimeout);
      if (c.cwd !== null) argv.push("--cwd", tok(c.cwd));
      // Never a real local run here: an interpreter that does not exist (refused, exit 2, once the rest was read).
      if (c.mode === "local" || c.servers.length > 0) argv.push("--interpreter", path.join(box.sentinel, "no-such-python"));
    }
    if (c.json) argv.push("--json");
    prepared.set(repo, { secrets });
    return { cwd: repo, argv, writable: [], env: { MCPM_CACHE_DIR: CACHE }, bin: real, timeoutMs: real ? 300_000 : 60_000 };
  },
  async judge(c, prep, out, changed) {
    const problems: Problem[] = [];
    const pre = prepared.get(prep.cwd)!;
    prepared.delete(prep.cwd);
    const printed = out.stdout + out.stderr;
    for (const s of pre.secrets) if (printed.includes(s)) problems.push({ kind: "secret-leaked", detail: "a .env value was printed" });
    if (changed.length) problems.push({ kind: "partial-tree", detail: `verify wrote ${changed.slice(0, 5).join(", ")}` });
    if (looksLikeCrash(out.stderr)) return { verdict: "findings", problems };
    if (out.code === 1) {
      // A failed verification (exit 1): verdict lines, one per failing server or URL, never a crash.
      if (!/✖ /.test(out.stdout) && !/"ok": false/.test(out.stdout)) problems.push({ kind: "unclear-error", detail: `exit 1 without a verdict: ${printed.slice(0, 300)}` });
      return { verdict: "findings", problems };
    }
    if (out.code !== 0) return { verdict: "findings", problems: [...problems, { kind: "unclear-error", detail: `exit ${out.code}: ${out.stderr.slice(0, 300)}` }] };
    if (!/✔ |"ok": true/.test(out.stdout)) problems.push({ kind: "invalid-file", detail: `exit 0 without a pass: ${out.stdout.slice(0, 200)}` });
    if (prep.argv.includes("--url") && !(c.url.startsWith("@LIVE@"))) problems.push({ kind: "invalid-file", detail: `verify --url passed against ${c.url.slice(0, 80)}` });
    if (prep.argv.includes("--url")) livePasses++;
    return { verdict: "accepted", problems };
  },
};
