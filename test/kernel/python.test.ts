import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CannotRunError } from "../../src/kernel/errors.js";
import { clearPythonCache, findPython, NoPythonError } from "../../src/kernel/python.js";
import { PYTHON } from "../helpers/python.js";

// The Python finder: the real interpreters of this machine (pyenv has 3.10-3.13 here and on CI)
// and, for the branches this machine lacks (uv), a PATH folder of shims that answer as they would.

let bin = "";
let log = "";

beforeAll(async () => {
  bin = await mkdtemp(path.join(tmpdir(), "mcpm-python-"));
  log = path.join(bin, "calls.log");
});
afterAll(async () => {
  if (bin) await rm(bin, { recursive: true, force: true });
});
beforeEach(async () => {
  clearPythonCache();
  await rm(path.join(bin, "d"), { recursive: true, force: true });
  await rm(log, { force: true });
});

/** Writes an executable shell script `dir/name` (the folder is created). */
async function shim(name: string, body: string, dir = path.join(bin, "d")): Promise<string> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\necho "${name} $*" >> ${JSON.stringify(log)}\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A fake interpreter: answers the finder's probe as CPython `version` would. */
function fakePython(version: string, executable: string, implementation = "CPython"): string {
  return `echo '{"version": "${version}", "implementation": "${implementation}", "executable": "${executable}", "pip": true}'`;
}

/** Only the shim folder on PATH. */
const shimEnv = (): NodeJS.ProcessEnv => ({ PATH: path.join(bin, "d") });

describe("findPython without a version: today's default interpreter", () => {
  it("--interpreter, else MCPM_PYTHON, else python3 on PATH; reports version and implementation", async () => {
    const byPath = await findPython({ env: process.env });
    expect(byPath).toMatchObject({ path: "python3", implementation: "CPython", source: "path" });
    expect(byPath.version).toMatch(/^3\.\d+\.\d+$/);
    const byEnv = await findPython({ env: { ...process.env, MCPM_PYTHON: PYTHON } });
    expect(byEnv).toMatchObject({ path: PYTHON, source: "interpreter", pip: true });
    const explicit = await findPython({ interpreter: PYTHON, env: { ...process.env, MCPM_PYTHON: "/nonexistent/python" } });
    expect(explicit.path).toBe(PYTHON);
  });

  it("skips what does not run or is too old, and says what it tried", async () => {
    await shim("python3", fakePython("3.9.18", "/old/python3"));
    const err = await findPython({ env: shimEnv() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoPythonError);
    expect(err).toMatchObject({ exitCode: 2, tried: [{ cmd: "python3", version: "3.9.18" }, { cmd: "python", version: null, reason: "not found" }] });
    expect((err as Error).message).toBe("no Python 3.10+ found (tried python3 (3.9.18), python (not found)); pass --interpreter PATH or set MCPM_PYTHON");
    await shim("python", fakePython("3.12.4", "/new/python"));
    clearPythonCache();
    expect(await findPython({ env: shimEnv() })).toMatchObject({ path: "python", version: "3.12.4", source: "path" });
  });
});

describe("findPython({ version })", () => {
  it("takes uv's answer first (uv python find --system cpython@3.12)", async () => {
    const target = await shim("py312", fakePython("3.12.9", path.join(bin, "d", "py312")));
    await shim("uv", `echo ${target}`);
    await shim("python3.12", fakePython("3.12.1", "/unused"));
    const found = await findPython({ version: "3.12", env: shimEnv() });
    expect(found).toEqual({ path: target, version: "3.12.9", implementation: "CPython", executable: target, pip: true, source: "uv" });
    expect(await readFile(log, "utf8")).toContain("uv python find --system cpython@3.12\n");
  });

  it("asks `python3 -m uv` when there is no uv on PATH", async () => {
    const target = await shim("py313", fakePython("3.13.2", path.join(bin, "d", "py313")));
    await shim("python3", `if [ "$1" = "-m" ]; then echo ${target}; else ${fakePython("3.11.7", "/x")}; fi`);
    expect(await findPython({ version: "3.13", env: shimEnv() })).toMatchObject({ path: target, version: "3.13.2", source: "uv" });
    expect(await readFile(log, "utf8")).toContain("python3 -m uv python find --system cpython@3.13\n");
  });

  it("a uv that fails (a broken shim first on PATH) is not asked again as `python3 -m uv`; a slow uv still wins over a quick python3.12", async () => {
    await shim("uv", 'echo "error: Failed to inspect Python interpreter" >&2; exit 2');
    await shim("python3", `if [ "$1" = "-m" ]; then exit 9; else ${fakePython("3.11.7", "/x")}; fi`);
    const quick = await shim("python3.12", fakePython("3.12.3", path.join(bin, "d", "python3.12")));
    expect(await findPython({ version: "3.12", env: shimEnv() })).toMatchObject({ path: quick, source: "path" });
    expect(await readFile(log, "utf8")).not.toContain("python3 -m uv");

    // The sources run at once but are taken in order: uv's answer, late, beats python3.12 on PATH.
    clearPythonCache();
    const target = await shim("py312", fakePython("3.12.9", path.join(bin, "d", "py312")));
    await shim("uv", `sleep 1; echo ${target}`);
    expect(await findPython({ version: "3.12", env: shimEnv() })).toMatchObject({ path: target, version: "3.12.9", source: "uv" });
  });

  it("then python3.12 on PATH, skipping a shim that does not run (pyenv's exit 127) or another version", async () => {
    const dead = path.join(bin, "d", "dead");
    await shim("python3.12", 'echo "pyenv: python3.12: command not found" >&2; exit 127', dead);
    const wrong = path.join(bin, "d", "wrong");
    await shim("python3.12", fakePython("3.11.7", "/x"), wrong);
    const good = path.join(bin, "d", "good");
    const exe = await shim("python3.12", fakePython("3.12.3", path.join(good, "python3.12")), good);
    const found = await findPython({ version: "3.12", env: { PATH: [dead, wrong, good].join(path.delimiter) } });
    expect(found).toMatchObject({ path: exe, version: "3.12.3", source: "path" });
  });

  it("never another implementation", async () => {
    await shim("python3.12", fakePython("3.12.3", "/pypy", "PyPy"));
    const err = await findPython({ version: "3.12", env: shimEnv() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CannotRunError);
  });

  it("no match: one line naming the version and `uv python install`, exit 2, never a fallback", async () => {
    // A default Python exists (without uv, as a real one answers `-m uv`): it must not be taken.
    await shim("python3", `if [ "$1" = "-m" ]; then echo "python3: No module named uv" >&2; exit 1; fi; ${fakePython("3.11.7", "/x")}`);
    const err = await findPython({ version: "3.14", env: shimEnv() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CannotRunError);
    expect((err as CannotRunError).exitCode).toBe(2);
    const message = (err as Error).message;
    expect(message).toBe("no Python 3.14 found (tried uv (not installed), python3.14 on PATH (none), pyenv (not installed)); install it with `uv python install 3.14`, or pass --interpreter PATH");
    expect(message).not.toContain("\n");
  });

  it("pyenv's installs: the newest patch release first by number (3.12.10 before 3.12.9 and 3.12.1), another minor never", async () => {
    const root = path.join(bin, "d", "pyenv");
    for (const v of ["3.12.1", "3.12.9", "3.12.10", "3.13.1"]) await shim("python", fakePython(v, path.join(root, "versions", v, "bin", "python")), path.join(root, "versions", v, "bin"));
    const found = await findPython({ version: "3.12", env: { PATH: path.join(bin, "d", "empty"), PYENV_ROOT: root } });
    expect(found).toMatchObject({ version: "3.12.10", source: "pyenv", path: path.join(root, "versions", "3.12.10", "bin", "python") });
  });

  it("--interpreter overrides the search once it runs; one that does not run is a CannotRunError", async () => {
    await shim("uv", "echo /unused");
    expect(await findPython({ version: "3.12", interpreter: PYTHON, env: shimEnv() })).toMatchObject({ path: PYTHON, source: "interpreter" });
    expect(await readFile(log, "utf8").catch(() => "")).not.toContain("uv python find");
    const err = await findPython({ version: "3.12", interpreter: "/nonexistent/python3.12", env: shimEnv() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CannotRunError);
    expect((err as Error).message).toBe("--interpreter /nonexistent/python3.12 does not run as Python (not found)");
  });

  it("caches the answer for the process", async () => {
    const target = await shim("py312", fakePython("3.12.9", path.join(bin, "d", "py312")));
    await shim("uv", `echo ${target}`);
    const a = await findPython({ version: "3.12", env: shimEnv() });
    const b = await findPython({ version: "3.12", env: shimEnv() });
    expect(b).toEqual(a);
    const calls = (await readFile(log, "utf8")).split("\n").filter((l) => l.startsWith("uv "));
    expect(calls).toHaveLength(1);
  });

  // The real interpreters pyenv installed (3.10-3.13 on this machine and CI's image).
  const pyenvRoot = (() => {
    try {
      return execFileSync("pyenv", ["root"], { encoding: "utf8" }).trim();
    } catch {
      return null;
    }
  })();
  const installed = pyenvRoot && existsSync(path.join(pyenvRoot, "versions")) ? readdirSync(path.join(pyenvRoot, "versions")) : [];
  for (const minor of ["3.12", "3.13"]) {
    const have = installed.filter((v) => v.startsWith(`${minor}.`) && /^\d+\.\d+\.\d+$/.test(v));
    it.skipIf(have.length === 0)(`finds pyenv's CPython ${minor} (no uv, no python${minor} that runs on PATH)`, async () => {
      // pyenv itself on PATH (for `pyenv root`), and the system's folders for the shell it runs in.
      const env = { HOME: process.env.HOME, PATH: [path.join(bin, "d"), path.join(pyenvRoot!, "bin"), "/usr/bin", "/bin"].join(path.delimiter) };
      const found = await findPython({ version: minor, env });
      expect(found.source).toBe("pyenv");
      expect(found.implementation).toBe("CPython");
      expect(found.version.startsWith(`${minor}.`)).toBe(true);
      expect(found.path.startsWith(path.join(pyenvRoot!, "versions", `${minor}.`))).toBe(true);
      const real = execFileSync(found.path, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8" }).trim();
      expect(real).toBe(found.version);
    });
  }
});
