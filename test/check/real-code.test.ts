import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../src/check/types.js";
import { checkJson, FIXTURES, type CheckJson } from "./helpers.js";

// Classes of mistakes `check` made on real FastMCP servers (labelled by loading each with
// `fastmcp inspect` in a fresh venv). Each server in test/fixtures/check/real-code/{fail,pass}
// is written from the real pattern; `fail` servers do not load, `pass` servers do.

let fail: CheckJson;
let pass: CheckJson;
const compact = (json: CheckJson, server: string) =>
  json.findings.filter((f: Finding) => f.server === server).map((f) => `${f.rule}:${f.severity}@${f.line ?? "-"}`);

beforeAll(async () => {
  ({ json: fail } = await checkJson(path.join(FIXTURES, "real-code", "fail"), ["--offline"]));
  ({ json: pass } = await checkJson(path.join(FIXTURES, "real-code", "pass"), ["--offline"]));
}, 300_000);

describe("blockers only a load used to show", () => {
  it("`KEY = os.getenv(...)` then `if not KEY: raise` at import is an error naming the variable", () => {
    expect(compact(fail, "env-raise")).toEqual(["env-required:error@7"]);
    expect(fail.findings.find((f) => f.server === "env-raise")!.message).toContain("FORECAST_TOKEN is unset");
  });

  it("an SDK client built at import without its key (OpenAI(), genai.Client()) is an error naming the variable", () => {
    expect(compact(fail, "client-at-import")).toEqual(["env-required:error@5", "env-required:error@6"]);
    expect(fail.findings.find((f) => f.server === "client-at-import")!.message).toContain("OPENAI_API_KEY");
  });

  it("a database connect() at import is an error", () => {
    expect(compact(fail, "db-at-import")).toEqual(["import-crash:error@6"]);
  });

  it("FastMCP(host=, port=, log_level=) raises TypeError in FastMCP 4: an error that says where each moved", () => {
    expect(compact(fail, "removed-kwargs")).toEqual(["fastmcp-v4-api:error@3"]);
    const f = fail.findings.find((x) => x.server === "removed-kwargs")!;
    expect(f.message).toContain("host=, port=, log_level=");
    expect(f.fix).toContain("FASTMCP_PORT");
  });

  it("a server with only the MCP SDK's low-level Server is an error", () => {
    expect(compact(fail, "low-level")).toContain("server-object:error@3");
  });

  it("a fastmcp.json whose source.path does not exist is an error finding at that file (not 'no entry file')", () => {
    expect(compact(fail, "missing-source")).toEqual(["fastmcp-json:error@3"]);
  });

  it("no requirements.txt while importing a PyPI package stays an error", () => {
    expect(compact(fail, "no-requirements")).toEqual(["server-layout:error@-"]);
  });

  it("an entry file inside a package that imports that package absolutely (not installable) is a path-import error", () => {
    expect(compact(fail, "own-package-entry")).toEqual(["path-import:error@3"]);
    const f = fail.findings.find((x) => x.server === "own-package-entry")!;
    expect(f.message).toContain("No module named 'app'");
    expect(f.fix).toContain("from tools import");
  });

  it("an HTTP request to localhost at import (an f-string on a module-level base URL) is an import-crash error", () => {
    expect(compact(fail, "http-at-import")).toEqual(["import-crash:error@5"]);
    expect(fail.findings.find((f) => f.server === "http-at-import")!.message).toContain("Connection refused");
  });

  it("a raise at import under a condition static analysis cannot judge is a warning that names verify", () => {
    expect(compact(fail, "unclear-raise")).toEqual(["import-crash:warning@7"]);
    expect(fail.findings.find((f) => f.server === "unclear-raise")!.fix).toContain("verify");
  });
});

describe("false errors that are no longer errors", () => {
  it("files the entry never imports (a demo client next to it) get warnings, never errors", () => {
    const own = fail.findings.filter((f) => f.server === "script-only-crash");
    expect(own.filter((f) => f.severity === "error")).toEqual([]);
    expect(own.find((f) => f.rule === "import-crash")!.message).toContain("never imports this file");
  });

  it("no requirements.txt is a warning when the server imports only fastmcp and the standard library", () => {
    expect(compact(pass, "stdlib-only")).toEqual(["server-layout:warning@-"]);
  });

  it("a package of the server's own under src/ is not a PyPI dependency: a warning that verify decides, never an error", () => {
    expect(compact(pass, "src-package")).toEqual(["undeclared-dependency:warning@2"]);
    expect(pass.findings.find((f) => f.server === "src-package")!.message).toContain("own package under src/");
  });

  it("an environment read after an early return in a function called at import is a warning", () => {
    expect(compact(pass, "early-return")).toEqual(["env-required:warning@9"]);
  });

  it("clients given a key with a default, accepted FastMCP keywords and a connect() inside a function are fine", () => {
    expect(compact(pass, "clients-with-keys")).toEqual([]);
  });

  it("imports from the entry file's own folder are fine; the same absolute import in an installable project is a warning (verify decides)", () => {
    expect(compact(pass, "entry-folder-imports")).toEqual([]);
    expect(compact(pass, "own-package-installable")).toEqual(["path-import:warning@3"]);
    expect(pass.findings.find((f) => f.server === "own-package-installable")!.message).toContain("verify");
  });

  it("an HTTP request to another host at import is a warning (verify decides); inside a tool, nothing", () => {
    expect(compact(pass, "http-public-at-import")).toEqual(["import-crash:warning@5"]);
    expect(compact(pass, "http-in-tool")).toEqual([]);
  });

  it("no server of the pass set has an error", () => {
    expect(pass.summary.errors).toBe(0);
  });
});
