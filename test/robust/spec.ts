// What a command spec of the property suite is (issue 12): an arbitrary of cases, how to lay out
// the sandbox and argv for a case, and what an accepted run must satisfy. The generic checks
// (one error line, nothing written on refusal, no write outside the target, no crash, no hang,
// valid files) live in property.test.ts and harness.ts; the table is in commands.ts.
import type fc from "fast-check";
import path from "node:path";
import type { Outcome, Problem, Sandbox } from "./harness.js";

/** What a case becomes once its sandbox is laid out. */
export interface Prepared {
  cwd: string;
  argv: string[];
  /** Absolute paths the command may change (a folder covers its subtree); empty: must write nothing. */
  writable: string[];
  /** Extra environment of the run (e.g. pip settings). */
  env?: Record<string, string>;
  /** Run the built CLI (bin/ over dist/) in a child process instead of in-process: what users run (bundling can break only there). */
  bin?: boolean;
  /** Time bound of the run in ms (default 90 s). */
  timeoutMs?: number;
}

/** Checks run after the property pass, in batches (Python compile, sync --check, check --strict, an import). */
export interface Deferred {
  /** Monorepo root to validate. */
  tree: string;
  /** Names that must be usable Python identifiers. */
  idents: string[];
  /** Expect `sync --check` and `check --strict` to pass on the tree. */
  clean: boolean;
  /** Rules `check --strict` may still report (e.g. `python-version` for a Python FastMCP Cloud cannot build, which create warns about). */
  allowRules?: string[];
  /** `src/` folders whose `server` module can be imported with real FastMCP (sampled). */
  importable: string[];
}

/** The verdict on a run that was not a one-line refusal. */
export interface Judged {
  verdict: "accepted" | "findings";
  problems: Problem[];
  deferred?: Deferred;
}

/**
 * One command under test.
 *
 * @typeParam C - the generated case.
 */
export interface CommandSpec<C> {
  name: string;
  /** Cases in a normal run (the slow tier, MCPM_SLOW=1, runs 4x as many). */
  runs: number;
  cases: fc.Arbitrary<C>;
  /** Lays out the sandbox (fixture copies, hostile symlinks) and returns cwd, argv and what may be written. */
  prepare(c: C, box: Sandbox): Promise<Prepared>;
  /**
   * Exit code(s) of a refusal (`error: ...` on one line, nothing written): 1 for input the
   * user can fix, 2 for "could not run" (no or broken manifest, unknown server: the same code
   * in every command).
   */
  refusalCode: number | number[];
  /** Spec-specific figures for the summary once the run is over (e.g. real builds), added to the tally's extras. */
  figures?(): Record<string, number>;
  /** Judges any other run (the generic checks have passed or been recorded). */
  judge(c: C, prep: Prepared, out: Outcome, changed: string[], box: Sandbox): Promise<Judged>;
}

// A spec table of mixed case types; each entry is type-checked where it is written.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = CommandSpec<any>;

/** True when `p` is `dir` or inside it (lexically). */
export function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

