import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkJson, tempDir } from "./helpers.js";

// An undeclared package imported only inside a function does not stop the server from loading
// (the function raises when it runs): a warning. Imported at module level it is an error.

async function findings(code: string): Promise<Array<{ severity: string; line: number | null; message: string }>> {
  const root = await tempDir();
  const dir = path.join(root, "server-scope");
  await mkdir(path.join(dir, "src"), { recursive: true });
  await writeFile(path.join(dir, "src", "server.py"), code);
  await writeFile(path.join(dir, "requirements.txt"), "fastmcp>=4,<5\n");
  const { json } = await checkJson(root, ["--offline"]);
  return json.findings.filter((f) => f.rule === "undeclared-dependency").map((f) => ({ severity: f.severity, line: f.line, message: f.message }));
}

const HEAD = 'from fastmcp import FastMCP\n\nmcp = FastMCP("scope")\n\n\n@mcp.tool\ndef stats(xs: list[float]) -> float:\n    import numpy\n    return float(numpy.mean(xs))\n';

describe("undeclared-dependency: where the import runs", () => {
  it("only inside a function: a warning that says the server loads", async () => {
    const f = await findings(HEAD);
    expect(f).toEqual([{ severity: "warning", line: 8, message: expect.stringContaining("the server loads, but the function raises ModuleNotFoundError when it runs") }]);
  });

  it("also at module level: an error at the module-level import", async () => {
    const f = await findings(`${HEAD}\n\nimport numpy as np\n`);
    expect(f).toEqual([{ severity: "error", line: 12, message: expect.stringContaining("the deployed server fails with ModuleNotFoundError") }]);
  });
});
