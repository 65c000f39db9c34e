import { describe, expect, it } from "vitest";
import { comparableMode, planVendoredFiles, sameVendoredState } from "../../src/sync/classify.js";
import type { FileFingerprint } from "../../src/sync/types.js";

const fp = (sha256: string, mode = 0o644): FileFingerprint => ({ sha256, mode });
const m = (o: Record<string, FileFingerprint>) => new Map(Object.entries(o));

function decide(canonical: Record<string, FileFingerprint>, lock: Record<string, FileFingerprint> | undefined, disk: Record<string, FileFingerprint>, force = false) {
  const plan = planVendoredFiles({ canonical: m(canonical), lock: lock && { files: lock }, disk: m(disk), force });
  return { actions: Object.fromEntries(plan.decisions.map((d) => [d.path, d.action])), lock: plan.lockState.files };
}

describe("planVendoredFiles: the per-file rules of sync", () => {
  it("leaves equal files alone and updates files whose canonical changed", () => {
    const r = decide({ "a.py": fp("A"), "b.py": fp("B2") }, { "a.py": fp("A"), "b.py": fp("B1") }, { "a.py": fp("A"), "b.py": fp("B1") });
    expect(r.actions).toEqual({ "a.py": "unchanged", "b.py": "update" });
    expect(r.lock["b.py"]!.sha256).toBe("B2");
  });

  it("reports a hand edit as a conflict and keeps its old lock entry", () => {
    const r = decide({ "a.py": fp("A2") }, { "a.py": fp("A1") }, { "a.py": fp("EDIT") });
    expect(r.actions).toEqual({ "a.py": "conflict" });
    expect(r.lock["a.py"]!.sha256).toBe("A1");
  });

  it("a hand edit is a conflict even when canonical did not change", () => {
    expect(decide({ "a.py": fp("A") }, { "a.py": fp("A") }, { "a.py": fp("EDIT") }).actions).toEqual({ "a.py": "conflict" });
  });

  it("--force turns conflicts into forced overwrites and removals", () => {
    const r = decide({ "a.py": fp("A2") }, { "a.py": fp("A1"), "gone.py": fp("G") }, { "a.py": fp("EDIT"), "gone.py": fp("EDIT") }, true);
    expect(r.actions).toEqual({ "a.py": "forced-update", "gone.py": "forced-delete" });
    expect(Object.keys(r.lock)).toEqual(["a.py"]);
  });

  it("creates files added to canonical and deletes files sync wrote that canonical removed", () => {
    const r = decide({ "new.py": fp("N") }, { "old.py": fp("O") }, { "old.py": fp("O") });
    expect(r.actions).toEqual({ "new.py": "create", "old.py": "delete" });
    expect(Object.keys(r.lock)).toEqual(["new.py"]);
  });

  it("a removed canonical file edited by hand is a conflict, not a silent delete", () => {
    expect(decide({}, { "old.py": fp("O") }, { "old.py": fp("EDIT") }).actions).toEqual({ "old.py": "conflict" });
  });

  it("never touches a file sync did not write, even with --force", () => {
    const r = decide({}, {}, { "notes.md": fp("N") }, true);
    expect(r.actions).toEqual({ "notes.md": "unmanaged" });
    expect(r.lock).toEqual({});
  });

  it("adopts files equal to canonical when the lock is missing (no false conflicts after a lost lock)", () => {
    const r = decide({ "a.py": fp("A"), "b.py": fp("B") }, undefined, { "a.py": fp("A"), "b.py": fp("B") });
    expect(r.actions).toEqual({ "a.py": "adopt", "b.py": "adopt" });
    expect(Object.keys(r.lock)).toEqual(["a.py", "b.py"]);
  });

  it("without a lock entry a differing file is a conflict (sync cannot tell it was not edited)", () => {
    expect(decide({ "a.py": fp("A") }, undefined, { "a.py": fp("X") }).actions).toEqual({ "a.py": "conflict" });
  });

  it("restores a vendored file deleted by hand (canonical still has it, nothing is lost)", () => {
    expect(decide({ "a.py": fp("A") }, { "a.py": fp("A") }, {}).actions).toEqual({ "a.py": "create" });
  });

  it("compares only the executable bit of modes, so umask noise is not drift", () => {
    expect(comparableMode(0o664)).toBe(0o644);
    expect(comparableMode(0o775)).toBe(0o755);
    const r = decide({ "a.py": fp("A", 0o664) }, { "a.py": fp("A", 0o644) }, { "a.py": fp("A", 0o644) });
    expect(r.actions).toEqual({ "a.py": "unchanged" });
    expect(r.lock["a.py"]!.mode).toBe(0o644); // old entry kept: no lock churn
  });

  it("an executable bit added in canonical updates the vendored copy; one added by hand is a conflict", () => {
    expect(decide({ "run.sh": fp("S", 0o755) }, { "run.sh": fp("S") }, { "run.sh": fp("S") }).actions).toEqual({ "run.sh": "update" });
    expect(decide({ "run.sh": fp("S") }, { "run.sh": fp("S") }, { "run.sh": fp("S", 0o755) }).actions).toEqual({ "run.sh": "conflict" });
  });

  it("sameVendoredState ignores mode noise but not content", () => {
    expect(sameVendoredState({ files: { a: fp("A", 0o664) } }, { files: { a: fp("A", 0o644) } })).toBe(true);
    expect(sameVendoredState({ files: { a: fp("A") } }, { files: { a: fp("B") } })).toBe(false);
    expect(sameVendoredState(undefined, { files: {} })).toBe(true);
  });
});
