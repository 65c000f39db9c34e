// Issue 20: the Quickstart's `npx -y pnpm@10 install --frozen-lockfile` ended in pnpm 10's
// "Ignored build scripts: esbuild… Run pnpm approve-builds" box. Every dependency with an install
// script is now declared (built or not) in pnpm-workspace.yaml, so a fresh install is quiet and
// the lockfile still matches.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tempDir } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/python.js";

const execFileP = promisify(execFile);

async function declared(): Promise<Set<string>> {
  const ws = parse(await fs.readFile(path.join(REPO_ROOT, "pnpm-workspace.yaml"), "utf8")) as { onlyBuiltDependencies?: string[]; ignoredBuiltDependencies?: string[] };
  return new Set([...(ws.onlyBuiltDependencies ?? []), ...(ws.ignoredBuiltDependencies ?? [])]);
}

describe("pnpm install scripts are declared", () => {
  it("every installed package with an install script is in onlyBuiltDependencies or ignoredBuiltDependencies", async () => {
    const store = path.join(REPO_ROOT, "node_modules", ".pnpm");
    const withScripts: string[] = [];
    for (const entry of await fs.readdir(store)) {
      const nm = path.join(store, entry, "node_modules");
      const names = await fs.readdir(nm).catch(() => [] as string[]);
      for (const top of names) {
        const dirs = top.startsWith("@") ? (await fs.readdir(path.join(nm, top)).catch(() => [] as string[])).map((n) => `${top}/${n}`) : [top];
        for (const name of dirs) {
          const pkg = JSON.parse(await fs.readFile(path.join(nm, name, "package.json"), "utf8").catch(() => "{}")) as { name?: string; scripts?: Record<string, string> };
          if (pkg.name !== name) continue;
          if (pkg.scripts && ["preinstall", "install", "postinstall"].some((s) => s in pkg.scripts!)) withScripts.push(name);
        }
      }
    }
    const listed = await declared();
    expect(withScripts.length).toBeGreaterThan(0); // esbuild has one: the test looks at real packages
    expect([...new Set(withScripts)].filter((n) => !listed.has(n)).sort()).toEqual([]);
  });

  it("a fresh `pnpm@10 install --frozen-lockfile` of the sources prints no approve-builds warning", async () => {
    const dir = await tempDir("mcpm-pnpm-");
    for (const f of ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml"]) await fs.copyFile(path.join(REPO_ROOT, f), path.join(dir, f));
    const { stdout, stderr } = await execFileP("npx", ["-y", "pnpm@10", "install", "--frozen-lockfile", "--prefer-offline"], {
      cwd: dir,
      env: { ...process.env, CI: "1" },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
    });
    const out = stdout + stderr;
    expect(out).not.toMatch(/Ignored build scripts|approve-builds/);
    await fs.rm(dir, { recursive: true, force: true });
  }, 320_000);
});
