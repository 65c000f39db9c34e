import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isNeverVendored, listVendorableFiles } from "../../src/monorepo/vendor.js";
import { listVendoredSync } from "../../src/sync/scan.js";
import { writeTree } from "./fixture.js";

// The fast scanner (plain string tests) must list exactly what the NEVER_VENDORED globs allow.
const NAMES = [
  "a.py", "pkg/b.py", "pkg/__init__.py", ".env", ".env.local", ".env.example", "pkg/.env.prod", "x.pyc", "x.pyo", "x.pyd", "x.pyx",
  "__pycache__/a.cpython-312.pyc", "pkg/__pycache__/notes.txt", ".DS_Store", "pkg/Thumbs.db", "desktop.ini", "file.py~", ".file.py.swp",
  ".file.py.swo", ".file.swx", ".#lock", "#auto#", "#", "pkg/#x#", ".idea/workspace.xml", ".vscode/settings.json", "pkg/.mypy_cache/x",
  ".pytest_cache/v", ".ruff_cache/c", "data/blob.bin", ".hidden", "pkg/.config", "requirements.txt", "README.md", "env.py", ".environment",
];

describe("isNeverVendored", () => {
  it("agrees with the NEVER_VENDORED globs (tinyglobby) on a tree of tricky names", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-nv-"));
    try {
      await writeTree(dir, Object.fromEntries(NAMES.map((n) => [n, "x"])));
      const byGlob = await listVendorableFiles(dir);
      const byScan = listVendoredSync(dir).files.map((f) => f.path);
      expect(byScan).toEqual(byGlob);
      expect(byGlob).toContain(".env.example");
      expect(byGlob).not.toContain(".env.local");
      for (const n of NAMES) expect(isNeverVendored(n), n).toBe(!byGlob.includes(n));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
