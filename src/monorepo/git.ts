import { CannotRunError, UserError } from "../kernel/errors.js";
import { describeFailure, runProcess, type ProcResult } from "../kernel/proc.js";

/**
 * Lists which of `paths` have uncommitted changes in git (modified, staged, added,
 * deleted or untracked), the check copier and sv make before they write into a
 * user's repository.
 *
 * Runs `git rev-parse --is-inside-work-tree --show-prefix` and then
 * `git --no-optional-locks status --porcelain -z --untracked-files=all -- <paths>` in `root`
 * (`--no-optional-locks` so the check itself never rewrites `.git/index`).
 *
 * @param root - absolute folder the paths are relative to (the monorepo root).
 * @param paths - POSIX paths relative to `root` (files or folders; need not exist).
 * @returns the dirty paths relative to `root` (git prints them relative to the repository top), sorted;
 *   `null` when not checked: `root` is not inside a git work tree, or git is not installed.
 * @throws UserError when git exists but the status cannot be read (e.g. "dubious ownership").
 */
export async function uncommittedChanges(root: string, paths: string[]): Promise<string[] | null> {
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" };
  const refuse = (r: ProcResult) =>
    new UserError(`cannot check git status in ${root}: ${firstLine(r.stderr) || r.startError?.message || `git exited with ${r.code}`} (fix it, or pass --allow-dirty)`);
  const top = await runProcess("git", ["rev-parse", "--is-inside-work-tree", "--show-prefix"], { cwd: root, env });
  if (top.startError?.code === "ENOENT") return null; // git is not installed (or root is gone)
  if (top.code !== 0) {
    if (/not a git repository/i.test(top.stderr)) return null;
    throw refuse(top);
  }
  const [inside, shownPrefix] = top.stdout.split("\n");
  if (inside?.trim() !== "true") return null;
  const prefix = shownPrefix ?? "";
  if (paths.length === 0) return [];
  const status = await runProcess("git", ["--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all", "--", ...paths], { cwd: root, env });
  if (status.code !== 0 || status.truncated) throw refuse(status);
  return parsePorcelainZ(status.stdout).map((p) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p));
}

/**
 * Paths of `git status --porcelain -z` output (v1): entries `XY path\0`, where a
 * rename or copy is followed by its source path as an extra `\0`-terminated field.
 */
export function parsePorcelainZ(out: string): string[] {
  const fields = out.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    paths.push(f.slice(3));
    if (f[0] === "R" || f[0] === "C") i++;
  }
  return [...new Set(paths)].sort();
}

function firstLine(s: string | undefined): string {
  return (s ?? "").split("\n").find((l) => l.trim())?.replace(/^fatal:\s*/, "").trim() ?? "";
}

/** What {@link initRepository} did, and when a step failed, which one and why (git's own last line). */
export interface InitOutcome {
  /** `committed`; `initialized` (a later step failed: the files stay as they are); `unavailable` (git is not installed); `failed` (`git init` itself failed). */
  state: "committed" | "initialized" | "unavailable" | "failed";
  /** The step that failed and git's reason, e.g. `git init: exit 128: ... No space left on device`. */
  reason?: string;
}

/**
 * `git init` (branch `main`; `git init` alone for a git older than 2.28, which has no `-b`),
 * `git add -A` and a commit with `message` in `root`.
 *
 * @returns the outcome; a failed step is named with what git said (a full disk is not "git was not found").
 */
export async function initRepository(root: string, message: string): Promise<InitOutcome> {
  // In this terminal's session (no process group of its own): a signed commit may ask for a passphrase.
  const git = (...args: string[]) => runProcess("git", args, { cwd: root, group: false });
  const why = (step: string, r: ProcResult) => `${step}: ${describeFailure(r) ?? "failed"}`;
  let init = await git("init", "-q", "-b", "main");
  if (init.code !== 0 && !init.startError) init = await git("init", "-q");
  if (init.startError?.notFound) return { state: "unavailable" };
  if (init.code !== 0) return { state: "failed", reason: why("git init", init) };
  const add = await git("add", "-A");
  if (add.code !== 0) return { state: "initialized", reason: why("git add", add) };
  const commit = await git("commit", "-q", "--no-verify", "-m", message);
  if (commit.code !== 0) return { state: "initialized", reason: why("git commit", commit) };
  return { state: "committed" };
}

/**
 * The files changed between `base` and `head` (`git diff --name-only base...head`: since their
 * merge base, as a pull request's diff counts them), relative to `root`; files outside `root`
 * (in an enclosing repository) are left out (`--relative`). A rename counts as both paths.
 *
 * @returns POSIX paths relative to `root`, or null when git cannot tell: `base` is not a commit of
 *   this clone (a shallow clone, the all-zero `before` of a new branch's first push).
 * @throws CannotRunError when `root` is not in a git work tree or git is not installed.
 */
export async function changedPaths(root: string, base: string, head = "HEAD"): Promise<string[] | null> {
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" };
  const inside = await runProcess("git", ["rev-parse", "--is-inside-work-tree"], { cwd: root, env });
  if (inside.startError?.code === "ENOENT") throw new CannotRunError("git is not installed: the changed files come from git diff");
  if (inside.code !== 0 || inside.stdout.trim() !== "true") throw new CannotRunError(`${root} is not in a git work tree: the changed files come from git diff`);
  if (/^0+$/.test(base)) return null;
  const known = await runProcess("git", ["rev-parse", "--verify", "--quiet", `${base}^{commit}`], { cwd: root, env });
  if (known.code !== 0) return null;
  const diff = await runProcess("git", ["diff", "--name-only", "-z", "--no-renames", "--relative", `${base}...${head}`, "--"], { cwd: root, env });
  if (diff.code !== 0 || diff.truncated) throw new CannotRunError(`git diff ${base}...${head} failed: ${firstLine(diff.stderr) || `exit ${diff.code}`}`);
  return diff.stdout.split("\0").filter(Boolean);
}
