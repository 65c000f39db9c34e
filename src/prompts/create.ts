import * as p from "@clack/prompts";
import os from "node:os";
import path from "node:path";
import { answered } from "./answered.js";
import type { Context } from "../kernel/context.js";
import { DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, MAX_DESCRIPTION_LENGTH, pythonTargetsMessage } from "../scaffold/create.js";
import { PLACEHOLDER_GITHUB_OWNER } from "../kernel/defaults.js";
import { FASTMCP_CLOUD_PYTHON, PYTHON_VERSIONS, TARGETS, type Target } from "../monorepo/manifest.js";
import { toIdentifier, toTitle, validateServerName } from "../monorepo/names.js";
import { checkTargetDir } from "../scaffold/target-dir.js";
import { pythonTargetsProblem, pythonVersionsFor } from "../monorepo/deploy-compat.js";
import { TARGET_SPECS } from "../scaffold/targets.js";
import { enclosingGitRepo, guessGithubRepository } from "../scaffold/git-facts.js";

/** `owner/name` as GitHub spells a repository (what the create core accepts). */
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Answers the interactive flow collects (only for what flags left open). */
export interface CreateAnswers {
  dir?: string;
  servers?: Array<{ name: string; description: string }>;
  python?: string;
  git?: boolean;
  targets?: Target[];
  /** GitHub `owner/name` for the Deployment table and the MCPB manifest. */
  repository?: string;
}

/**
 * A typed folder with a leading `~` expanded to the home folder, as a POSIX shell expands
 * `~` and `~/x` (a prompt gets the text unexpanded, so `~/x` would otherwise be a folder
 * named `~`). `~user` forms are left as typed.
 */
export function expandHome(typed: string, home: string = os.homedir()): string {
  if (typed === "~") return home;
  if (typed.startsWith("~/") || (path.sep === "\\" && typed.startsWith("~\\"))) return path.join(home, typed.slice(2));
  return typed;
}

/** True while the chosen servers are the first defaults, in order (Enter on every prompt so far). */
function followsDefaults(chosen: Array<{ name: string }>): boolean {
  return chosen.every((s, i) => DEFAULT_SERVERS[i]?.name === s.name);
}

/**
 * The default server for the next name prompt. While every name so far is a default one, in
 * order, the next of {@link DEFAULT_SERVERS} (so pressing Enter on every prompt gives exactly
 * what `--yes` gives); once a name of the user's own is chosen, that name numbered
 * (`billing-2`, `billing-3`, ...: the first one not taken), never an unrelated demo name;
 * null after the three defaults.
 */
export function nextDefaultServer(chosen: Array<{ name: string }>): { name: string; description: string } | null {
  if (followsDefaults(chosen)) return DEFAULT_SERVERS[chosen.length] ?? null;
  const taken = new Set(chosen.map((s) => toIdentifier(s.name)));
  const own = chosen.filter((s) => !DEFAULT_SERVERS.some((d) => d.name === s.name)).at(-1) ?? chosen.at(-1)!;
  const stem = own.name.replace(/-\d+$/, "");
  for (let n = 2; ; n++) {
    const name = `${stem}-${n}`;
    if (!taken.has(toIdentifier(name)) && validateServerName(name) === true) return { name, description: defaultDescription(name) };
    if (n > 999) return null;
  }
}

/**
 * The default answer to "Add another server?": yes while following the defaults (until the
 * three of `--yes`) and after the first server; no once two or more are chosen by hand.
 */
export function addAnotherDefault(chosen: Array<{ name: string }>): boolean {
  return followsDefaults(chosen) ? chosen.length < DEFAULT_SERVERS.length : chosen.length < 2;
}

/** The default description of a server: the `--yes` one for a default name, else `<Title> MCP server.`. */
export function defaultDescription(name: string): string {
  return DEFAULT_SERVERS.find((s) => s.name === name)?.description ?? `${toTitle(name)} MCP server.`;
}

/**
 * Asks, with @clack/prompts on the context's streams, for whatever `known`
 * does not already say: the folder, the servers (name + one-line description,
 * several), the Python version, the deployment targets (multiselect; src/scaffold/targets.ts)
 * and whether to run `git init`.
 *
 * Every answer is validated as it is typed (the folder at once: not a file, not a
 * non-empty folder, not already a monorepo, a valid project name with a suggestion);
 * every prompt that shows a default accepts it on Enter, and taking every default gives
 * the `--yes` monorepo. Python versions that one of `targets` cannot run are shown
 * disabled, with the reason (FastMCP Cloud's base image is Python 3.12): the targets are asked
 * first, and a `--python` given on the command line that a chosen target cannot run re-asks them.
 * A folder typed as `~/x` goes to the home folder. The GitHub repository defaults to what git
 * knows ({@link guessGithubRepository}); inside an existing git work tree the `git init`
 * question is not asked (the outer repository keeps the files).
 *
 * @throws CancelledError when the user cancels any prompt (nothing written yet).
 */
export async function promptCreate(ctx: Context, known: CreateAnswers, version: string): Promise<Required<CreateAnswers>> {
  const io = { input: ctx.stdin, output: ctx.stdout };
  p.intro(`create-mcp-monorepo ${version}`, { output: ctx.stdout });
  const home = ctx.env.HOME || os.homedir();
  const dirTyped =
    known.dir ??
    answered(
      await p.text({
        ...io,
        message: "Where should the monorepo go?",
        placeholder: DEFAULT_DIR,
        defaultValue: DEFAULT_DIR,
        validate: (v) => {
          const typed = v || DEFAULT_DIR;
          const state = checkTargetDir(path.resolve(ctx.cwd, expandHome(typed, home)), typed);
          return typeof state === "object" ? state.problem : undefined;
        },
      }),
      ctx,
    );
  const dir = known.dir ?? expandHome(dirTyped, home);
  let servers = known.servers;
  if (!servers) {
    servers = [];
    for (;;) {
      const chosen = servers;
      const taken = new Set(chosen.map((s) => toIdentifier(s.name)));
      const fallback = nextDefaultServer(chosen);
      const name = answered(
        await p.text({
          ...io,
          message: chosen.length === 0 ? "Name of the first server (server-<name>/)" : "Name of the next server",
          ...(fallback ? { placeholder: fallback.name, defaultValue: fallback.name } : {}),
          validate: (v) => {
            const typed = v || fallback?.name || "";
            const ok = validateServerName(typed);
            if (ok !== true) return ok;
            return taken.has(toIdentifier(typed)) ? `server name "${typed}" is already used` : undefined;
          },
        }),
        ctx,
      );
      const describe = defaultDescription(name);
      const description = answered(
        await p.text({
          ...io,
          message: `One-line description of ${name}`,
          placeholder: describe,
          defaultValue: describe,
          validate: (v) => ((v ?? "").length > MAX_DESCRIPTION_LENGTH ? `at most ${MAX_DESCRIPTION_LENGTH} characters` : undefined),
        }),
        ctx,
      );
      servers.push({ name, description });
      const more = answered(await p.confirm({ ...io, message: "Add another server?", initialValue: addAnotherDefault(servers) }), ctx);
      if (!more) break;
    }
  }
  let targets = known.targets;
  while (!targets) {
    const chosen = answered(
      await p.multiselect<Target>({
        ...io,
        message: "Deployment targets (space toggles, enter confirms)",
        initialValues: known.python && pythonTargetsProblem(known.python, ["fastmcp-cloud"]) ? ["docker"] : ["fastmcp-cloud"],
        required: true,
        options: TARGETS.map((t) => ({ value: t, label: TARGET_SPECS[t].label, hint: TARGET_SPECS[t].hint })),
      }),
      ctx,
    );
    const disagree = known.python ? pythonTargetsProblem(known.python, chosen) : null;
    if (disagree) p.log.warn(pythonTargetsMessage(disagree), { output: ctx.stdout });
    else targets = chosen;
  }
  const runnable = pythonVersionsFor(targets);
  const python =
    known.python ??
    answered(
      await p.select({
        ...io,
        message: "Python version",
        initialValue: runnable.includes(DEFAULT_PYTHON) ? DEFAULT_PYTHON : runnable[runnable.length - 1],
        options: PYTHON_VERSIONS.map((v) => {
          const disabled = !runnable.includes(v);
          return {
            value: v,
            label: v,
            disabled,
            hint: disabled
              ? `the selected FastMCP Cloud runs ${FASTMCP_CLOUD_PYTHON}: deselect it for ${v}`
              : v === FASTMCP_CLOUD_PYTHON
                ? "FastMCP Cloud's base image"
                : undefined,
          };
        }),
      }),
      ctx,
    );
  const targetDir = path.resolve(ctx.cwd, dir);
  const project = path.basename(targetDir);
  const env = ctx.env;
  let repository = known.repository;
  if (repository === undefined) {
    const guess = (await guessGithubRepository(targetDir, project, env)) ?? `${PLACEHOLDER_GITHUB_OWNER}/${project}`;
    repository = answered(
      await p.text({
        ...io,
        message: "GitHub repository (owner/name) the servers deploy from",
        placeholder: guess,
        defaultValue: guess,
        validate: (v) => (REPOSITORY.test(v || guess) ? undefined : "a repository looks like owner/name"),
      }),
      ctx,
    );
  }
  let git = known.git;
  if (git === undefined) {
    const outer = await enclosingGitRepo(targetDir, env);
    if (outer) {
      p.log.info(`${dir} is inside the git repository at ${outer}: no git init (commit the new files there)`, { output: ctx.stdout });
      git = true;
    } else git = answered(await p.confirm({ ...io, message: "Initialize a git repository?", initialValue: true }), ctx);
  }
  return { dir, servers, python, git, targets, repository };
}
