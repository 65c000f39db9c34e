import { existsSync } from "node:fs";
import path from "node:path";
import { runProcess } from "../kernel/proc.js";

// What git already knows about the place a new monorepo goes: whether it lands inside an
// existing work tree (a nested `git init` there would make a repository whose workflows
// GitHub never runs: Actions reads `.github/workflows` at the repository root only), and
// which GitHub repository to name in the Deployment table and the MCPB manifest.

/** Runs git with `args` in `cwd`; its trimmed stdout, or null when git is missing or fails. */
async function git(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const r = await runProcess("git", args, { cwd, env: { PATH: process.env.PATH, ...env, LC_ALL: "C" }, timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The nearest existing folder at or above `dir` (a new monorepo's folder may not exist yet). */
function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

/**
 * The work tree that would contain a new monorepo at `targetDir`: `git rev-parse
 * --show-toplevel` run from the target's parent (its nearest existing ancestor).
 *
 * @param targetDir - absolute folder the monorepo goes to.
 * @param env - environment for git (process.env in real use).
 * @returns the enclosing repository's top folder, or null (not in a work tree, or no git).
 */
export async function enclosingGitRepo(targetDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const top = await git(["rev-parse", "--show-toplevel"], nearestExisting(path.dirname(path.resolve(targetDir))), env);
  return top ? path.resolve(top) : null;
}

/**
 * `owner/name` of a GitHub remote URL (`https://github.com/o/n.git`, `git@github.com:o/n.git`,
 * `ssh://git@github.com/o/n`), or null for anything else.
 */
export function githubRepoFromUrl(url: string): string | null {
  const m = /github\.com[:/]+([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? `${m[1]}/${m[2]}` : null;
}

/**
 * The GitHub repository a new monorepo most likely lives in: the enclosing repository's
 * `remote.origin.url` when it is on GitHub; else `<owner>/<project>` with the owner from
 * `git config github.user`, or `user.name` when that is a valid GitHub login (no spaces);
 * else null.
 *
 * @param targetDir - absolute folder the monorepo goes to.
 * @param project - the monorepo's project name (the repository name when there is no remote).
 */
export async function guessGithubRepository(targetDir: string, project: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const cwd = nearestExisting(path.dirname(path.resolve(targetDir)));
  const remote = await git(["config", "--get", "remote.origin.url"], cwd, env);
  const fromRemote = remote ? githubRepoFromUrl(remote) : null;
  if (fromRemote) return fromRemote;
  for (const key of ["github.user", "user.name"]) {
    const owner = await git(["config", "--get", key], cwd, env);
    // GitHub logins: letters, digits and single hyphens, at most 39 characters.
    if (owner && /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(owner)) return `${owner}/${project}`;
  }
  return null;
}
