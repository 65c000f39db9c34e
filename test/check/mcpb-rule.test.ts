import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkJson, FIXTURES } from "./helpers.js";

// Rule `mcpb-bundle` (issue 9): the server can be bundled and runs from the bundle.
const fixture = (...p: string[]) => path.join(FIXTURES, "mcpb-bundle", ...p);

describe("mcpb-bundle (target mcpb)", () => {
  it("flags an .mcpbignore that drops the entry point or shared code, a missing asgi.py and an undeclared required variable", async () => {
    const { code, json } = await checkJson(fixture("fail"), ["--target", "mcpb"]);
    expect(code).toBe(1);
    const lines = json.findings.map((f) => `${f.server}:${f.severity}:${f.file}${f.line ? `@${f.line}` : ""}`);
    expect(lines).toEqual([
      "server-ignored:error:server-ignored/.mcpbignore",
      "server-ignored:error:server-ignored/.mcpbignore",
      "server-ignored:warning:server-ignored/.mcpbignore",
      "server-no-asgi:error:server-no-asgi/src/asgi.py",
      "server-undeclared:warning:server-undeclared/src/server.py@31",
    ]);
    expect(json.findings.every((f) => f.rule === "mcpb-bundle" && f.fix.length > 0)).toBe(true);
    const messages = json.findings.filter((f) => f.severity === "error").map((f) => f.message);
    expect(messages.some((m) => m.includes("excludes src/server.py, so the bundle has no entry point"))).toBe(true);
    expect(messages.some((m) => m.includes("excludes src/shared/ (4 files)"))).toBe(true);
    expect(json.findings[4]!.message).toContain('OPS_API_TOKEN has no default here and is not under "# Required"');
  });

  it("is silent for the same servers when mcpb is not a target", async () => {
    const { json } = await checkJson(fixture("fail"));
    expect(json.findings.filter((f) => f.rule === "mcpb-bundle")).toEqual([]);
  });

  it("accepts a generated server with an .mcpbignore and its required variable under # Required", async () => {
    const { code, json } = await checkJson(fixture("pass"), ["--target", "mcpb", "--strict"]);
    expect(json.findings).toEqual([]);
    expect(code).toBe(0);
  });
});
