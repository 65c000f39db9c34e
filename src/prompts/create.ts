import * as p from "@clack/prompts";
import path from "node:path";
import { answered } from "./answered.js";
import type { Context } from "../kernel/context.js";
import { DEFAULT_DIR, DEFAULT_PYTHON, DEFAULT_SERVERS, MAX_DESCRIPTION_LENGTH, pythonTargetsMessage } from "../scaffold/create.js";
import { FASTMCP_CLOUD_PYTHON, PYTHON_VERSIONS, TARGETS, type Target } from "../monorepo/manifest.js";
import { toIdentifier, toTitle, validateServerName } from "../monorepo/names.js";
import { checkTargetDir } from "../scaffold/target-dir.js";
import { pythonTargetsProblem, pythonVersionsFor } from "../monorepo/deploy-compat.js";
import { TARGET_SPECS } from "../scaffold/targets.js";

/** Answers the interactive flow collects (only for what flags left open). */
export interface CreateAnswers {
  dir?: string;
  servers?: Array<{ name: string; description: string }>;
  python?: string;
  git?: boolean;
  targets?: Target[];
}

/**
 * The default server for the next name prompt: the first of {@link DEFAULT_SERVERS} not
 * taken yet, while fewer servers than the defaults are chosen (so pressing Enter on every
 * prompt gives exactly what `--yes` gives); null afterwards (no default, no placeholder).
 */
export function nextDefaultServer(chosen: Array<{ name: string }>): { name: string; description: string } | null {
  if (chosen.length >= DEFAULT_SERVERS.length) return null;
  const taken = new Set(chosen.map((s) => toIdentifier(s.name)));
  return DEFAULT_SERVERS.find((s) => !taken.has(toIdentifier(s.name))) ?? null;
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
 *
 * @throws CancelledError when the user cancels any prompt (nothing written yet).
 */
export async function promptCreate(ctx: Context, known: CreateAnswers, version: string): Promise<Required<CreateAnswers>> {
  const io = { input: ctx.stdin, output: ctx.stdout };
  p.intro(`create-mcp-monorepo ${version}`, { output: ctx.stdout });
  const dir =
    known.dir ??
    answered(
      await p.text({
        ...io,
        message: "Where should the monorepo go?",
        placeholder: DEFAULT_DIR,
        defaultValue: DEFAULT_DIR,
        validate: (v) => {
          const typed = v || DEFAULT_DIR;
          const state = checkTargetDir(path.resolve(ctx.cwd, typed), typed);
          return typeof state === "object" ? state.problem : undefined;
        },
      }),
      ctx,
    );
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
      const more = answered(await p.confirm({ ...io, message: "Add another server?", initialValue: servers.length < DEFAULT_SERVERS.length }), ctx);
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
              ? `needs a docker, k8s or mcpb target: FastMCP Cloud runs ${FASTMCP_CLOUD_PYTHON}`
              : v === FASTMCP_CLOUD_PYTHON
                ? "FastMCP Cloud's base image"
                : undefined,
          };
        }),
      }),
      ctx,
    );
  const git = known.git ?? answered(await p.confirm({ ...io, message: "Initialize a git repository?", initialValue: true }), ctx);
  return { dir, servers, python, git, targets };
}
