import * as p from "@clack/prompts";
import { answered } from "./answered.js";
import path from "node:path";
import type { Context } from "../core/context.js";
import { DEFAULT_DIR, DEFAULT_PYTHON, MAX_DESCRIPTION_LENGTH } from "../core/create.js";
import { PYTHON_VERSIONS, TARGETS, type Target } from "../core/manifest.js";
import { TARGET_SPECS } from "../targets/index.js";
import { toTitle, validateServerName } from "../core/names.js";

/** Answers the interactive flow collects (only for what flags left open). */
export interface CreateAnswers {
  dir?: string;
  servers?: Array<{ name: string; description: string }>;
  python?: string;
  git?: boolean;
  targets?: Target[];
}

/**
 * Asks, with @clack/prompts on the context's streams, for whatever `known`
 * does not already say: the folder, the servers (name + one-line description,
 * several), the Python version, the deployment targets (multiselect; src/targets/index.ts)
 * and whether to run `git init`.
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
        validate: (v) => (v && path.basename(v).startsWith(".") ? "pick a folder name that does not start with a dot" : undefined),
      }),
      ctx,
    );
  let servers = known.servers;
  if (!servers) {
    servers = [];
    for (;;) {
      const taken = new Set(servers.map((s) => s.name.replace(/-/g, "_")));
      const name = answered(
        await p.text({
          ...io,
          message: servers.length === 0 ? "Name of the first server (server-<name>/)" : "Name of the next server",
          placeholder: servers.length === 0 ? "ops" : "customer",
          validate: (v) => {
            const ok = validateServerName(v ?? "");
            if (ok !== true) return ok;
            return taken.has((v ?? "").replace(/-/g, "_")) ? `server name "${v}" is already used` : undefined;
          },
        }),
        ctx,
      );
      const description = answered(
        await p.text({
          ...io,
          message: `One-line description of ${name}`,
          placeholder: `${toTitle(name)} MCP server.`,
          defaultValue: `${toTitle(name)} MCP server.`,
          validate: (v) => ((v ?? "").length > MAX_DESCRIPTION_LENGTH ? `at most ${MAX_DESCRIPTION_LENGTH} characters` : undefined),
        }),
        ctx,
      );
      servers.push({ name, description });
      const more = answered(await p.confirm({ ...io, message: "Add another server?", initialValue: servers.length < 2 }), ctx);
      if (!more) break;
    }
  }
  const python =
    known.python ??
    answered(
      await p.select({
        ...io,
        message: "Python version",
        initialValue: DEFAULT_PYTHON,
        options: PYTHON_VERSIONS.map((v) => ({
          value: v,
          label: v,
          hint: v === DEFAULT_PYTHON ? "FastMCP Cloud's base image" : Number(v.split(".")[1]) > 12 ? "not on FastMCP Cloud: deploy as a container" : undefined,
        })),
      }),
      ctx,
    );
  const targets =
    known.targets ??
    answered(
      await p.multiselect<Target>({
        ...io,
        message: "Deployment targets (space toggles, enter confirms)",
        initialValues: ["fastmcp-cloud"],
        required: true,
        options: TARGETS.map((t) => ({ value: t, label: TARGET_SPECS[t].label, hint: TARGET_SPECS[t].hint })),
      }),
      ctx,
    );
  const git = known.git ?? answered(await p.confirm({ ...io, message: "Initialize a git repository?", initialValue: true }), ctx);
  return { dir, servers, python, git, targets };
}
