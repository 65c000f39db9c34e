// Issue 12, fault injection: every writing command, spawned from the built CLI, is SIGKILLed at
// random points spread over its whole run (measured first). Afterwards each file is its old or
// its new version (create: the target absent or complete; add-server: old or new as a whole),
// and the next run leaves no temp or staging files and converges to a tree that `sync --check`
// and `check` accept. add-server killed between the renames of its commit leaves a journal in
// its busy marker, and the next run finishes the commit; add-target likewise. bundle is killed
// over its whole run, during pip and during the zip write: afterwards there is no bundle, or a
// complete one whose .sha256 matches (or, killed between its two renames, one whose staged
// .sha256 the next run moves into place). MCPM_SLOW=1 runs 60 kills per command (the normal
// run: 12), bundle 50 (normal: 2, one in pip and one in the zip write). upgrade carries a monorepo made
// by 0.1.0 (built from adc70d6) to this version. MCPM_FAULTS_ONLY=add-target,bundle selects commands.
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientName } from "../../src/monorepo/changes.js";
import { BUSY_FILE } from "../../src/monorepo/busy.js";
import { killAfter, runBin, timeRun, type Anchor } from "../helpers/faults.js";
import { ensureBuilt } from "../sync/build.js";
import { copyTemplate, removeTemplate } from "./fixture.js";
import { addTarget } from "../../src/add-target/add-target.js";
import { fail, fingerprint, newTally, removeSandboxes, runBounded, sandbox, saveTally, SLOW, totalFailures, type Sandbox } from "./harness.js";
import { PYTHON, REPO_ROOT } from "../helpers/python.js";
import { oldGeneratorBin, oldGeneratorTarball } from "../helpers/old-generator.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const KILLS = SLOW ? 60 : 12;
/** MCPM_FAULTS_ONLY=add-target,bundle runs only those commands. */
const ONLY = process.env.MCPM_FAULTS_ONLY?.split(",");
/** Every CONVERGE_CHECK-th iteration also runs `check` on the converged tree (a Python process). */
const CONVERGE_CHECK = SLOW ? 3 : 2;

/** A writing command under fault injection. Adding a command is one entry in FAULTS. */
interface FaultSpec {
  name: string;
  /**
   * Lays out the starting tree; returns where to run, the argv, the tree the command changes, the
   * anchor marking the start of its writes, and optionally later anchors (phases) to aim kills at.
   */
  setup(box: Sandbox): Promise<{ cwd: string; argv: string[]; root: string; anchor: Anchor; phases?: Record<string, Anchor> }>;
  /** Whether a kill may leave some files new and others old (sync: per file; create and add-server: never). */
  perFile: boolean;
  /** The next run after a kill, given the state found: must exit 0 (or refuse as "already done" when the state is new). */
  rerun(argv: string[], state: "old" | "new" | "mixed"): { argv: string[]; okCodes: number[] };
  /** Kills in the normal and the slow tier (default 12 and 60). */
  kills?: { normal: number; slow: number };
  /** Environment of every run (e.g. pip's cache). */
  env?: NodeJS.ProcessEnv;
  /**
   * Whether a half-applied state after a kill holds what the next run finishes it from
   * (default: a journal in the busy marker, as add-server and add-target write).
   */
  journaled?(root: string): Promise<boolean>;
}

/**
 * A monorepo made by create-mcp-monorepo 0.1.0 (built from adc70d6, test/helpers/old-generator.ts)
 * with three servers and every target and edits of the user's, made once and copied per run.
 */
let oldTemplate: Promise<string> | null = null;
function oldMonorepoTemplate(): Promise<string> {
  oldTemplate ??= (async () => {
    const bin = await oldGeneratorBin();
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), "mcpm-upgrade-template-"));
    await promisify(execFile)(process.execPath, [bin, "create", "demo", "--server", "ops", "--server", "customer", "--server", "finance", "--target", "fastmcp-cloud", "--target", "docker", "--target", "k8s", "--target", "mcpb", "--no-git"], { cwd: parent });
    const root = path.join(parent, "demo");
    await fs.appendFile(path.join(root, "README.md"), "\nOur own notes: kept by upgrade.\n");
    await fs.appendFile(path.join(root, "server-ops", "Dockerfile"), "LABEL team=ops\n");
    await fs.appendFile(path.join(root, "server-finance", "requirements.txt"), "tomli-w>=1.0\n");
    await fs.rm(path.join(root, ".pre-commit-config.yaml"));
    return root;
  })();
  return oldTemplate;
}

/** bundle's output: the bundle and its .sha256 (both or neither, once a run has finished). */
const BUNDLE_FILE = "server-ops-0.1.0-linux-x86_64.mcpb";

const FAULTS: FaultSpec[] = [
  {
    name: "create",
    perFile: false,
    async setup(box) {
      const argv = ["demo"];
      for (let i = 0; i < 10; i++) argv.push("--server", `srv${i}=Server ${i} tools: "quoted" {{braces}} \u202e rtl`);
      argv.push("--no-git");
      return { cwd: box.work, argv, root: path.join(box.work, "demo"), anchor: { dir: box.work, mark: ".mcpm-staging-" } };
    },
    rerun: (argv, state) => ({ argv, okCodes: state === "new" ? [1] : [0] }),
  },
  {
    name: "add-server",
    perFile: false,
    async setup(box) {
      const repo = await copyTemplate(box);
      return { cwd: repo, argv: ["add-server", "extra", "--yes", "--description", "Extra tools."], root: repo, anchor: { dir: repo, mark: BUSY_FILE } };
    },
    // Old: the re-run adds it; new, or half committed (finished from the journal first): it refuses, "already used".
    rerun: (argv, state) => ({ argv, okCodes: state === "old" ? [0] : [1] }),
  },
  {
    name: "sync",
    perFile: true,
    async setup(box) {
      const repo = await copyTemplate(box);
      // The canonical package moves on: one file edited, 40 added, a requirement added.
      await fs.appendFile(path.join(repo, "shared", "config.py"), "\nEXTRA_SETTING = 1\n");
      for (let i = 0; i < 40; i++) {
        await fs.mkdir(path.join(repo, "shared", `pkg${i % 4}`), { recursive: true });
        await fs.writeFile(path.join(repo, "shared", `pkg${i % 4}`, `mod${i}.py`), `VALUE_${i} = ${i}\n` + "# padding\n".repeat(200));
      }
      await fs.appendFile(path.join(repo, "shared", "requirements.txt"), "anyio>=4\n");
      return { cwd: repo, argv: ["sync"], root: repo, anchor: { dir: repo, mark: BUSY_FILE } };
    },
    rerun: (argv) => ({ argv, okCodes: [0] }),
  },
  {
    name: "add-target",
    perFile: false,
    async setup(box) {
      const repo = await copyTemplate(box);
      // Three targets: 8 artefacts in two server folders, then the README table and the manifest;
      // kills aimed also from the first temp file on (staging, then the renames of the commit).
      return {
        cwd: repo,
        argv: ["add-target", "docker", "k8s", "mcpb"],
        root: repo,
        anchor: { dir: repo, mark: BUSY_FILE },
        phases: { staging: { dir: path.join(repo, "server-billing"), mark: ".mcpm-tmp-" } },
      };
    },
    // Old: the re-run adds them; new, or half committed (finished from the journal first): "already listed", a 0 no-op.
    rerun: (argv) => ({ argv, okCodes: [0] }),
  },
  {
    name: "remove-server",
    perFile: false,
    async setup(box) {
      const repo = await copyTemplate(box);
      await addTarget({ cwd: repo, targets: ["docker", "k8s", "mcpb"] });
      // The folder goes as one rename; the root files follow; kills aimed also at the staging of the root files.
      return { cwd: repo, argv: ["remove-server", "ops", "--yes"], root: repo, anchor: { dir: repo, mark: BUSY_FILE }, phases: { staging: { dir: repo, mark: ".mcpm-tmp-" } } };
    },
    // Old: the re-run removes it; new, or half committed (finished from the journal first): "unknown server", exit 2.
    rerun: (argv, state) => ({ argv, okCodes: state === "old" ? [0] : [2] }),
  },
  {
    name: "rename-server",
    perFile: false,
    async setup(box) {
      const repo = await copyTemplate(box);
      await addTarget({ cwd: repo, targets: ["docker", "k8s", "mcpb"] });
      return {
        cwd: repo,
        argv: ["rename-server", "ops", "infra"],
        root: repo,
        anchor: { dir: repo, mark: BUSY_FILE },
        phases: { staging: { dir: path.join(repo, "server-infra"), mark: ".mcpm-tmp-" } },
      };
    },
    rerun: (argv, state) => ({ argv, okCodes: state === "old" ? [0] : [2] }),
  },
  {
    name: "remove-target",
    perFile: false,
    async setup(box) {
      const repo = await copyTemplate(box);
      await addTarget({ cwd: repo, targets: ["docker", "k8s", "mcpb"] });
      return { cwd: repo, argv: ["remove-target", "docker", "k8s", "mcpb"], root: repo, anchor: { dir: repo, mark: BUSY_FILE }, phases: { staging: { dir: repo, mark: ".mcpm-tmp-" } } };
    },
    // Old: the re-run removes them; new, half committed, or killed after writing its journal (the
    // re-run finishes the commit first): nothing is left to remove, a 0 no-op.
    rerun: (argv) => ({ argv, okCodes: [0] }),
  },
  {
    name: "upgrade",
    perFile: false,
    env: { MCPM_CACHE_DIR: path.join(REPO_ROOT, ".cache", "upgrade", "user-cache") },
    async setup(box) {
      const repo = path.join(box.work, "demo");
      await fs.cp(await oldMonorepoTemplate(), repo, { recursive: true });
      // 3 servers migrated, ~30 files merged or added, the manifest last; kills aimed also at the staging of the commit.
      return {
        cwd: repo,
        argv: ["upgrade", "--from-package", await oldGeneratorTarball(), "--no-lock", "--yes"],
        root: repo,
        anchor: { dir: repo, mark: BUSY_FILE },
        phases: { staging: { dir: path.join(repo, "server-ops"), mark: ".mcpm-tmp-" } },
      };
    },
    // Old: the re-run upgrades; new, or half committed (finished from the journal first): already current, a 0 no-op.
    rerun: (argv) => ({ argv, okCodes: [0] }),
  },
  {
    name: "bundle",
    perFile: false,
    // pip (~12 s) then the zip (~3 s): few kills in the normal tier, 50 in the slow one.
    kills: { normal: 2, slow: 50 },
    env: { MCPM_PYTHON: PYTHON, PIP_CACHE_DIR: path.join(REPO_ROOT, ".cache", "pip") },
    async setup(box) {
      const repo = await copyTemplate(box);
      const dist = path.join(repo, "dist");
      // Kills aimed at the whole run, at pip (the staging folder appears) and at the zip write (the zip appears in it).
      return {
        cwd: repo,
        argv: ["bundle", "ops", "--platform", "linux-x86_64"],
        root: repo,
        anchor: { dir: dist, mark: ".mcpm-staging-" },
        phases: { zip: { dir: dist, within: ".mcpm-staging-", mark: "bundle.mcpb" } },
      };
    },
    rerun: (argv) => ({ argv, okCodes: [0] }),
    // Killed between its two renames: the .mcpb is in place and its staged .sha256 waits in the staging folder.
    async journaled(root) {
      const dist = path.join(root, "dist");
      const staging = (await fs.readdir(dist).catch(() => [] as string[])).filter((e) => e.startsWith(`.${BUNDLE_FILE}.mcpm-staging-`));
      for (const st of staging) if (await fs.stat(path.join(dist, st, "bundle.sha256")).then(() => true, () => false)) return true;
      return false;
    },
  },
];

afterAll(async () => {
  await removeSandboxes();
  await removeTemplate();
});

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

/** Fingerprint without transient names and the busy marker; returns those separately. */
async function state(root: string): Promise<{ files: Map<string, string>; dirs: Map<string, string>; leftovers: string[] }> {
  const all = await fingerprint(root);
  const files = new Map<string, string>();
  const leftovers: string[] = [];
  const dirs = new Map<string, string>();
  for (const [k, v] of all) {
    // A transient name anywhere in the path (a staging folder's contents are leftovers too; listed once, at the folder).
    const segs = k.replace(/\/$/, "").split("/");
    const at = segs.findIndex((n) => isTransientName(n) || n === BUSY_FILE);
    if (at >= 0) {
      if (at === segs.length - 1) leftovers.push(k);
      continue;
    }
    if (k.endsWith("/")) dirs.set(k, v);
    else files.set(k, v);
  }
  // Folders count only once the run is over: staging creates them before any file is in place.
  return { files, dirs, leftovers };
}

/** Staging folders beside the target (create's transient siblings). */
async function stagingSiblings(root: string): Promise<string[]> {
  return (await fs.readdir(path.dirname(root))).filter((e) => e.includes(".mcpm-staging-"));
}

function classify(now: Map<string, string>, old: Map<string, string>, neu: Map<string, string>): { kind: "old" | "new" | "mixed"; torn: string[] } {
  const torn: string[] = [];
  let oldCount = 0;
  let newCount = 0;
  for (const k of new Set([...old.keys(), ...neu.keys(), ...now.keys()])) {
    const v = now.get(k);
    const isOld = v === old.get(k);
    const isNew = v === neu.get(k);
    if (!isOld && !isNew) torn.push(k);
    if (isOld && !isNew) oldCount++;
    if (isNew && !isOld) newCount++;
  }
  return { kind: newCount === 0 ? "old" : oldCount === 0 ? "new" : "mixed", torn };
}

describe("SIGKILL at random points, every writing command", () => {
  for (const spec of FAULTS.filter((f) => !ONLY || ONLY.includes(f.name))) {
    const KILLS = spec.kills ? (SLOW ? spec.kills.slow : spec.kills.normal) : SLOW ? 60 : 12;
    it(`${spec.name}: ${KILLS} kills leave the old or the new state, and the next run converges`, async () => {
      const t0 = Date.now();
      const tally = newTally("faults", spec.name);
      // Reference states and the run's timing, from one uninterrupted run.
      const refBox = await sandbox();
      const ref = await spec.setup(refBox);
      const oldState = await state(ref.root);
      const old = oldState.files;
      // The anchor is polled: on a loaded machine a short write phase (create's staging folder lives a
      // few ms) can pass between two polls. Time another uninterrupted run (in a fresh sandbox) until
      // it is seen, so kills are aimed at the writes rather than spread over the whole run.
      let timing = await timeRun(ref.argv, ref.cwd, { anchor: ref.anchor, ...ref.phases }, spec.env);
      expect(timing.run.code, timing.run.output).toBe(0);
      for (let retry = 0; retry < 4 && timing.anchor === 0; retry++) {
        const ref2 = await spec.setup(await sandbox());
        timing = await timeRun(ref2.argv, ref2.cwd, { anchor: ref2.anchor, ...ref2.phases }, spec.env);
        expect(timing.run.code, timing.run.output).toBe(0);
      }
      const phases = Object.keys(ref.phases ?? {}).filter((p) => (timing as unknown as Record<string, number>)[p]! > 0);
      const newState = await state(ref.root);
      const neu = newState.files;
      tally.extra["run ms"] = timing.exit;
      tally.extra["writes start ms"] = timing.anchor;
      for (const p of phases) tally.extra[`${p} starts ms`] = (timing as unknown as Record<string, number>)[p]!;
      const counts = { killed: 0, old: 0, new: 0, mixed: 0, journaled: 0, leftovers: 0, midWrite: 0 };

      const lane = async (laneNo: number) => {
        for (let i = laneNo; i < KILLS; i += 2) {
          const box = await sandbox();
          const s = await spec.setup(box);
          const input = { command: spec.name, iteration: i };
          // In turn: uniform over the write phase (from the anchor); uniform from each later phase's
          // anchor (bundle: the zip write) to the end; uniform over the whole run from spawn.
          // (Order: write phase, later phases, whole run; so a run of few kills still hits each phase.)
          const slot = i % (2 + phases.length);
          const phase = slot >= 1 && slot <= phases.length ? phases[slot - 1]! : null;
          const anchored = slot <= phases.length && timing.anchor > 0;
          const from = phase ? (timing as unknown as Record<string, number>)[phase]! : timing.anchor;
          const span = anchored ? Math.max(5, timing.exit - from) : timing.exit;
          const delay = Math.floor(Math.random() * span * 1.1);
          const k = await killAfter(s.argv, s.cwd, delay, anchored ? (phase ? s.phases![phase]! : s.anchor) : undefined, spec.env);
          tally.tried++;
          if (k.killed) counts.killed++;
          const after = await state(s.root);
          const leftovers = [...after.leftovers, ...(spec.name === "create" ? await stagingSiblings(s.root) : [])];
          if (leftovers.length) counts.leftovers++;
          const c = classify(after.files, old, neu);
          counts[c.kind]++;
          if (k.anchored || leftovers.length || c.kind !== "old") counts.midWrite++;
          if (c.torn.length) fail(tally, "partial-tree", `torn or stray after kill at ${delay} ms: ${c.torn.slice(0, 5).join(", ")}`, input);
          // A journal in the busy marker: the next run finishes that commit before it does anything else.
          const marker = await fs.readFile(path.join(s.root, BUSY_FILE), "utf8").then((t) => JSON.parse(t) as { journal?: unknown[] }, () => null);
          const journaled = !spec.perFile && Boolean(spec.journaled ? await spec.journaled(s.root) : marker?.journal?.length);
          if (c.kind === "mixed" && !spec.perFile) {
            // Killed between the renames of its commit: allowed only when the busy marker holds the journal the next run finishes it from.
            if (journaled) counts.journaled++;
            else fail(tally, "partial-tree", `half-applied after kill at ${delay} ms with no journal to finish it (${spec.name} must be all or nothing)`, input);
          }
          // The next run converges and cleans up. Killed after writing its journal but before the first
          // rename, the tree is still old, yet the re-run meets the new state (it finishes the commit first).
          const re = spec.rerun(s.argv, journaled && c.kind === "old" ? "new" : c.kind);
          const r = await runBin(re.argv, s.cwd, { env: spec.env, timeoutMs: 300_000 });
          if (r.timedOut) fail(tally, "hang", "re-run", input);
          else if (!re.okCodes.includes(r.code ?? -1)) fail(tally, "partial-tree", `re-run after a kill in state ${c.kind} exited ${r.code}: ${r.output.slice(0, 300)}`, input);
          if (/unexpected error|\n\s+at /.test(r.stderr)) fail(tally, "stack-trace", r.stderr.slice(0, 300), input);
          const done = await state(s.root);
          const rest = [...done.leftovers, ...(spec.name === "create" ? await stagingSiblings(s.root) : [])];
          if (rest.length) fail(tally, "partial-tree", `left after the next run: ${rest.slice(0, 5).join(", ")}`, input);
          const end = classify(new Map([...done.files, ...done.dirs]), new Map([...old, ...oldState.dirs]), new Map([...neu, ...newState.dirs]));
          if (end.kind !== "new" || end.torn.length) fail(tally, "partial-tree", `the next run did not reach the new state (${end.kind}; differs: ${end.torn.slice(0, 5).join(", ")})`, input);
          else {
            tally.accepted++;
            const sc = await runBounded(["sync", "--check"], s.root);
            if (sc.code !== 0) fail(tally, "invalid-file", `sync --check after convergence: ${sc.stdout.slice(0, 300)}`, input);
            if (i % CONVERGE_CHECK === 0) {
              const ck = await runBounded(["check"], s.root);
              if (ck.code !== 0) fail(tally, "invalid-file", `check after convergence: ${ck.stdout.slice(0, 300)}`, input);
            }
          }
          await fs.rm(box.root, { recursive: true, force: true });
        }
      };
      await Promise.all([lane(0), lane(1)]);
      Object.assign(tally.extra, counts);
      tally.ms = Date.now() - t0;
      await saveTally(tally);
      expect(totalFailures(tally), JSON.stringify(tally.examples, null, 1)).toBe(0);
      // The kills must have landed while it was writing, or the test proves little.
      expect(counts.midWrite, JSON.stringify(counts)).toBeGreaterThan(KILLS / 4);
    }, SLOW ? 3_600_000 : 600_000);
  }
});

