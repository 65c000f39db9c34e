// The summary reporter (issue 12) prints a row per suite and command, the new commands included,
// and the kills of each fault-injected command with its phases.
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.js";
import { FAILURE_KINDS, newTally } from "./harness.js";
import { summaryLines } from "./summary-reporter.js";

describe("summary reporter", () => {
  it("prints every command's figures, failures by kind, and the kills with their phases", () => {
    const tallies = COMMANDS.map((s, i) => ({ ...newTally("property", s.name), tried: 10 + i, refused: 6, accepted: 4 + i }));
    const bundle = { ...newTally("faults", "bundle"), tried: 2, accepted: 2, extra: { killed: 2, old: 2, new: 0, mixed: 0, journaled: 0, midWrite: 2, "run ms": 19134, "writes start ms": 716, "zip starts ms": 12757 } };
    const addTarget = { ...newTally("faults", "add-target"), tried: 12, accepted: 12, extra: { killed: 11, old: 9, new: 1, mixed: 2, journaled: 2, midWrite: 7, "run ms": 430, "writes start ms": 279 } };
    addTarget.failures["partial-tree"] = 1;
    const lines = summaryLines([...tallies, bundle, addTarget]);
    for (const name of ["add-target", "bundle", "verify"]) expect(lines.some((l) => new RegExp(`^property\\s+${name}\\s`).test(l)), name).toBe(true);
    expect(lines.find((l) => l.startsWith("suite"))).toContain(FAILURE_KINDS.join("  ").split("  ")[0]);
    expect(lines.find((l) => /^faults\s+add-target/.test(l))).toMatch(/\s1\s+0\s+0\s+0\s+0\s+0$/); // partial-tree 1, then the rest 0
    expect(lines).toContain("kills: bundle 2/2 killed (2 old, 0 new, 0 mixed; 2 mid-write; run 19134 ms, writes from 716 ms, zip from 12757 ms)");
    expect(lines).toContain("kills: add-target 11/12 killed (9 old, 1 new, 2 mixed, 2 of them finished by the next run; 7 mid-write; run 430 ms, writes from 279 ms)");
    expect(lines.at(-1)).toMatch(/^\d+ cases, 1 failures/);
  });
});
