import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

// What a new user sees for a command line the CLI cannot run, and under --json for any error.

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), "mcpm-usage-"));
});
afterAll(async () => rm(cwd, { recursive: true, force: true }));

describe("commander's errors, as one real message", () => {
  it("an unknown option and its suggestion print as one line, no literal \\n", async () => {
    const r = await runCli(["check", "--stric"], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: unknown option '--stric' (did you mean --strict?)\n");
    expect(r.stderr).not.toContain("\\n");
  });

  it("the suggestion comes from the command's own options, a prefix first (--desc → --description, never --yes)", async () => {
    const r = await runCli(["add-server", "billing", "--desc", "Billing"], { cwd });
    expect(r.stderr).toBe("error: unknown option '--desc' (did you mean --description?)\n");
    const create = await runCli(["demo", "--desc", "x"], { cwd });
    expect(create.stderr).toBe("error: unknown option '--desc' (did you mean --description?)\n");
  });

  it("a control character the user typed in a flag is still escaped", async () => {
    const r = await runCli(["check", "--x\ny"], { cwd });
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("--json: errors are JSON on stdout too, exit code unchanged", () => {
  const parse = (s: string) => JSON.parse(s) as { ok: boolean; error: { message: string; exitCode: number; detail: string[] } };

  it("a usage error", async () => {
    const r = await runCli(["check", "--json", "--stric"], { cwd });
    expect(r.code).toBe(1);
    expect(parse(r.stdout)).toEqual({ ok: false, error: { message: "unknown option '--stric' (did you mean --strict?)", exitCode: 1, detail: [] } });
  });

  it("could not run (exit 2) in every command that has --json", async () => {
    for (const argv of [["check"], ["sync"], ["add-target", "docker"], ["add-server", "billing"], ["bundle", "ops"], ["verify"]]) {
      const r = await runCli([...argv, "--json", "--cwd", cwd], { cwd });
      expect(r.code, argv.join(" ")).toBe(2);
      const out = parse(r.stdout);
      expect(out.ok).toBe(false);
      expect(out.error.exitCode).toBe(2);
      expect(out.error.message.length).toBeGreaterThan(0);
      expect(r.stderr).toContain("error: ");
    }
  });

  it("an unknown target exits 2 in check, add-target and create alike, JSON under --json", async () => {
    const made = await runCli(["mono", "--server", "ops", "--no-git"], { cwd });
    expect(made.code, made.stderr).toBe(0);
    const root = path.join(cwd, "mono");
    for (const [argv, at] of [[["check", "--target", "heroku"], root], [["add-target", "heroku"], root], [["demo", "--target", "heroku", "--yes", "--no-git"], cwd]] as const) {
      const r = await runCli([...argv, "--json", "--cwd", at], { cwd });
      expect(r.code, argv.join(" ")).toBe(2);
      expect(parse(r.stdout).error.message).toContain('unknown target "heroku"');
    }
  });

  it("without --json, stdout stays empty on an error", async () => {
    const r = await runCli(["check", "--cwd", cwd], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
