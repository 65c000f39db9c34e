#!/usr/bin/env node
// Creates (once) and caches the Python venv the tests and the demo run generated servers in:
// .cache/venv with everything in test/python-requirements.txt installed from PyPI, uv included.
// Installs with uv when one is on PATH (`uv pip install`, much faster), else with pip, and says which.
// Links the venv's uv alone into .cache/tools-bin (see toolsBin), so tests can put uv on PATH
// without the venv's python.
// Re-installs only when the requirements file changes (its hash is stored in the venv).
// Usage: node scripts/setup-python.mjs   (prints the venv's python path on the last line)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const venv = process.env.MCPM_TEST_VENV ?? path.join(root, ".cache", "venv");
const reqFile = path.join(root, "test", "python-requirements.txt");
const bin = process.platform === "win32" ? path.join(venv, "Scripts") : path.join(venv, "bin");
const python = path.join(bin, process.platform === "win32" ? "python.exe" : "python");
const stamp = path.join(venv, ".requirements.sha256");
/** A folder holding only a link to the venv's uv: put it on PATH to have uv and nothing else. */
export const toolsBin = path.join(path.dirname(venv), "tools-bin");

function linkUv() {
  const uv = path.join(bin, process.platform === "win32" ? "uv.exe" : "uv");
  if (!existsSync(uv)) return;
  mkdirSync(toolsBin, { recursive: true });
  const link = path.join(toolsBin, path.basename(uv));
  rmSync(link, { force: true });
  symlinkSync(uv, link);
}

function uvOnPath() {
  try {
    execFileSync("uv", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function setupPython({ quiet = false } = {}) {
  const want = createHash("sha256").update(readFileSync(reqFile)).digest("hex");
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) {
    linkUv();
    return python;
  }
  const log = (m) => quiet || process.stderr.write(m + "\n");
  const base = process.env.PYTHON ?? findPython();
  const withUv = uvOnPath();
  log(`setting up the test venv at ${path.relative(process.cwd(), venv) || venv} with ${base} and ${withUv ? "uv" : "pip"} (FastMCP from PyPI; first run only)...`);
  mkdirSync(path.dirname(venv), { recursive: true });
  if (!existsSync(python)) execFileSync(base, ["-m", "venv", venv], { stdio: "inherit" });
  if (withUv) {
    execFileSync("uv", ["pip", "install", "-q", "--python", python, "-r", reqFile], { stdio: "inherit", env: { ...process.env, UV_PYTHON_DOWNLOADS: "never" } });
  } else {
    execFileSync(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", reqFile], { stdio: "inherit" });
  }
  writeFileSync(stamp, want + "\n");
  linkUv();
  return python;
}

function findPython() {
  for (const cand of ["python3", "python"]) {
    try {
      const v = execFileSync(cand, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" }).trim();
      const [maj, min] = v.split(".").map(Number);
      if (maj === 3 && min >= 10) return cand;
    } catch {}
  }
  throw new Error("Python >= 3.10 is needed (set PYTHON=/path/to/python3)");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(setupPython());
}
