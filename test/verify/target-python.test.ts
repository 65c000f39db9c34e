import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { VerifyReport } from "../../src/verify/types.js";
import { cli, tempDir } from "../check/helpers.js";

// The target's Python, for real: this machine has CPython 3.11, 3.12 and 3.13 (pyenv). verify
// builds each venv on the Python the manifest's targets run; check parses with it.

const SLOW = 900_000;
// The analyzer's interpreter is chosen by target here, so MCPM_PYTHON (the test venv's 3.11) is unset.
const env = () => {
  const e = { ...process.env, NO_COLOR: undefined } as NodeJS.ProcessEnv;
  delete e.MCPM_PYTHON;
  return e;
};
type VerifyJson = VerifyReport & { summary: { exitCode: number } };
async function verify(dir: string, extra: string[] = []): Promise<{ code: number; json: VerifyJson; human: string }> {
  const r = await cli(["verify", "--json", "--jobs", "2", "--cwd", dir, ...extra], { env: env() });
  return { code: r.code, json: JSON.parse(r.stdout) as VerifyJson, human: r.stderr };
}
async function create(args: string[]): Promise<string> {
  const dir = path.join(await tempDir(), "m");
  const r = await cli([dir, "--no-git", "--yes", ...args], { env: env() });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe("verify on the target's Python", () => {
  it("a 3-server monorepo verifies on CPython 3.12 for fastmcp-cloud, and the report names it", async () => {
    const dir = await create([]);
    const { code, json } = await verify(dir);
    expect(code, JSON.stringify(json.verdicts.map((v) => v.failed), null, 2)).toBe(0);
    expect(json.pythons).toEqual([expect.stringMatching(/^CPython 3\.12\.\d+$/)]);
    expect(json.verdicts.map((v) => `${v.server} ${v.python?.replace(/\.\d+$/, "")}`)).toEqual(["ops CPython 3.12", "customer CPython 3.12", "finance CPython 3.12"]);
    const human = await cli(["verify", "--cwd", dir], { env: env() });
    expect(human.stdout).toMatch(/^verify: ops, customer, finance on CPython 3\.12\.\d+$/m);
    expect(human.stdout).toMatch(/^✔ ops: pass \(.*CPython 3\.12\.\d+, venv by uv \d+\.\d+\.\d+\)/m);
  }, SLOW);

  it("--target docker --python 3.13 verifies on CPython 3.13", async () => {
    const dir = await create(["--target", "docker", "--python", "3.13"]);
    expect(JSON.parse(await readFile(path.join(dir, "server-ops", "fastmcp.json"), "utf8")).environment.python).toBe("3.13");
    const { code, json } = await verify(dir);
    expect(code, JSON.stringify(json.verdicts.map((v) => v.failed), null, 2)).toBe(0);
    expect(json.pythons).toEqual([expect.stringMatching(/^CPython 3\.13\.\d+$/)]);
    expect(json.verdicts.every((v) => /^CPython 3\.13\./.test(v.python ?? ""))).toBe(true);
  }, SLOW);

  it("a server importing `imp` (removed in 3.12) passes on 3.11 and fails verify on 3.12, naming the import", async () => {
    const dir = await create(["--server", "legacy", "--target", "docker", "--python", "3.11"]);
    const file = path.join(dir, "server-legacy", "src", "server.py");
    const source = await readFile(file, "utf8");
    expect(source).toContain("from __future__ import annotations\n");
    await writeFile(file, source.replace("from __future__ import annotations\n", "from __future__ import annotations\n\nimport imp  # noqa: F401  (removed in Python 3.12)\n"));
    const on311 = await verify(dir);
    expect(on311.code, JSON.stringify(on311.json.verdicts[0]!.failed)).toBe(0);
    expect(on311.json.pythons).toEqual([expect.stringMatching(/^CPython 3\.11\./)]);
    const manifest = path.join(dir, "mcp-monorepo.yaml");
    await writeFile(manifest, (await readFile(manifest, "utf8")).replace('python: "3.11"', 'python: "3.12"'));
    const on312 = await verify(dir);
    expect(on312.code).toBe(1);
    expect(on312.json.verdicts[0]!.python).toMatch(/^CPython 3\.12\./);
    expect(on312.json.verdicts[0]!.failed).toMatchObject({ step: "import" });
    expect(on312.json.verdicts[0]!.failed!.cause).toContain("No module named 'imp'");
  }, SLOW);
});

describe("check parses with the target's Python", () => {
  it("PEP 701 f-strings (valid on 3.12) are not python-syntax errors for fastmcp-cloud; the 3.11 default would report them", async () => {
    const dir = await create(["--server", "ops"]);
    const file = path.join(dir, "server-ops", "src", "server.py");
    await writeFile(file, (await readFile(file, "utf8")) + '\n\ndef _label(item: dict) -> str:\n    return f"{item["name"]}: {f"{item["n"]}"}"\n');
    const r = await cli(["check", "--offline", "--json", "--cwd", dir], { env: env() });
    const json = JSON.parse(r.stdout);
    expect(json.python.version).toMatch(/^3\.12\./);
    expect(json.findings.filter((f: { rule: string }) => f.rule === "python-syntax")).toEqual([]);
    const old = await cli(["check", "--offline", "--json", "--cwd", dir, "--interpreter", "python3.11"], { env: env() });
    const py311 = JSON.parse(old.stdout);
    if (py311.python.version.startsWith("3.11")) expect(py311.findings.map((f: { rule: string }) => f.rule)).toContain("python-syntax");
  }, SLOW);
});
