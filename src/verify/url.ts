import { connect, type ListedTool } from "./mcp.js";
import type { StepName, StepResult, Verdict } from "./types.js";
import { byCodeUnit } from "../kernel/compare.js";

/**
 * `verify --url`: the post-deployment checks of a deployed server: `/mcp` answers, `tools/list` returns exactly the tools `fastmcp inspect` found locally
 * (when a local server is named), a tool call returns a valid response, and each answer takes
 * under the budget ("Response times are under 2 seconds").
 */

/** Options of {@link verifyUrl}. */
export interface UrlOptions {
  url: string;
  /** Tool names expected (from a local `fastmcp inspect`), or null to skip the comparison. */
  expected: string[] | null;
  /** Tool to call; default: the first tool (by name) whose arguments are all optional. */
  tool?: string;
  /** Arguments of that call (default `{}`). */
  args?: Record<string, unknown>;
  /** Budget per answer in ms (default 2000). */
  budgetMs?: number;
  /** Extra HTTP headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
  onStep?: (server: string, step: StepName, result: StepResult | null) => void;
}

/** The tool `verify --url` calls when none is named: the first whose arguments are all optional. */
export function callableTool(tools: ListedTool[]): ListedTool | undefined {
  return [...tools].sort((a, b) => byCodeUnit(a.name, b.name)).find((t) => (t.inputSchema?.required ?? []).length === 0);
}

/** Checks a deployed MCP endpoint. Never throws: every problem is a failed step. */
export async function verifyUrl(opts: UrlOptions): Promise<Verdict> {
  const budget = opts.budgetMs ?? 2000;
  const verdict: Verdict = { server: opts.url, ok: false, steps: [], failed: null, startupMs: null, tools: [], missingEnv: [], venv: null };
  const record = (step: StepName, ok: boolean, ms: number, detail: string, log = ""): boolean => {
    const r: StepResult = { step, ok, ms, detail };
    verdict.steps.push(r);
    opts.onStep?.(opts.url, step, r);
    if (!ok && !verdict.failed) verdict.failed = { step, cause: detail, log };
    return ok;
  };
  const slow = (ms: number) => (ms > budget ? `; ${ms} ms is over the ${budget} ms budget` : "");

  // 1. The endpoint answers (curl -I …/mcp): any HTTP response but 404 or a 5xx.
  let t = performance.now();
  try {
    const res = await fetch(opts.url, { method: "GET", headers: { accept: "text/event-stream", ...opts.headers }, signal: AbortSignal.timeout(Math.max(budget * 5, 10_000)) });
    await res.body?.cancel().catch(() => {});
    const ms = Math.round(performance.now() - t);
    const ok = res.status !== 404 && res.status < 500 && ms <= budget;
    if (!record("answers", ok, ms, `GET ${opts.url} → HTTP ${res.status} in ${ms} ms${res.status === 404 ? " (no MCP endpoint at this path; FastMCP serves /mcp)" : ""}${slow(ms)}`)) return verdict;
  } catch (err) {
    record("answers", false, Math.round(performance.now() - t), `GET ${opts.url} failed: ${(err as Error).message}`);
    return verdict;
  }

  let session;
  try {
    session = await connect(opts.url, Math.max(budget * 5, 10_000), opts.headers);
  } catch (err) {
    record("initialize", false, 0, `MCP initialize failed: ${(err as Error).message}`);
    return verdict;
  }
  try {
    if (!record("initialize", session.initializeMs <= budget, session.initializeMs, `initialize in ${session.initializeMs} ms${slow(session.initializeMs)}`)) return verdict;
    let tools: ListedTool[];
    try {
      const listed = await session.listTools();
      tools = listed.value;
      verdict.tools = tools.map((x) => x.name).sort();
      const problems: string[] = [];
      if (opts.expected) {
        const missing = opts.expected.filter((n) => !verdict.tools.includes(n));
        const extra = verdict.tools.filter((n) => !opts.expected!.includes(n));
        if (missing.length) problems.push(`missing ${missing.join(", ")} (fastmcp inspect found ${missing.length > 1 ? "them" : "it"} locally)`);
        if (extra.length) problems.push(`not in the local server: ${extra.join(", ")}`);
      }
      const ok = problems.length === 0 && listed.ms <= budget;
      const detail = `${verdict.tools.length} tool${verdict.tools.length === 1 ? "" : "s"} in ${listed.ms} ms${opts.expected ? (problems.length ? `: ${problems.join("; ")}` : ", exactly the tools inspect found locally") : ""}${slow(listed.ms)}`;
      if (!record("tools/list", ok, listed.ms, detail)) return verdict;
    } catch (err) {
      record("tools/list", false, 0, `tools/list failed: ${(err as Error).message}`);
      return verdict;
    }
    const tool = opts.tool ? tools.find((x) => x.name === opts.tool) : callableTool(tools);
    if (opts.tool && !tool) {
      record("tools/call", false, 0, `tool ${opts.tool} is not listed`);
      return verdict;
    }
    if (!tool) {
      record("tools/call", true, 0, "skipped: every tool needs arguments (pass --tool NAME --args JSON)");
    } else {
      try {
        const called = await session.callTool(tool.name, opts.args ?? {});
        const valid = !called.value.isError && Array.isArray(called.value.content);
        if (!record("tools/call", valid && called.ms <= budget, called.ms, `${tool.name}(${JSON.stringify(opts.args ?? {})}) ${valid ? "returned a valid result" : "returned an error"} in ${called.ms} ms${slow(called.ms)}`, valid ? "" : JSON.stringify(called.value).slice(0, 4000))) return verdict;
      } catch (err) {
        record("tools/call", false, 0, `tools/call ${tool.name} failed: ${(err as Error).message}`);
        return verdict;
      }
    }
    verdict.ok = true;
    return verdict;
  } finally {
    await session.close().catch(() => {});
  }
}
