import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { UserError } from "../kernel/errors.js";

const execFileP = promisify(execFile);

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
  let prefix = "";
  try {
    const { stdout } = await execFileP("git", ["rev-parse", "--is-inside-work-tree", "--show-prefix"], { cwd: root, env });
    const [inside, shownPrefix] = stdout.split("\n");
    if (inside?.trim() !== "true") return null;
    prefix = shownPrefix ?? "";
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") return null;
    if (/not a git repository/i.test(e.stderr ?? "")) return null;
    throw new UserError(`cannot check git status in ${root}: ${firstLine(e.stderr) || e.message} (fix it, or pass --allow-dirty)`);
  }
  if (paths.length === 0) return [];
  try {
    const { stdout } = await execFileP("git", ["--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all", "--", ...paths], {
      cwd: root,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return parsePorcelainZ(stdout).map((p) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new UserError(`cannot check git status in ${root}: ${firstLine(e.stderr) || e.message} (fix it, or pass --allow-dirty)`);
  }
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
