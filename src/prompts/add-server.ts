import * as p from "@clack/prompts";
import { answered } from "./answered.js";
import type { Context } from "../kernel/context.js";
import { MAX_DESCRIPTION_LENGTH } from "../scaffold/create.js";
import { toTitle } from "../monorepo/names.js";

/** What the `add-server` prompts collect (only what flags left open). */
export interface AddServerAnswers {
  name?: string;
  description?: string;
}

/**
 * Asks, with @clack/prompts on the context's streams (`ctx.stdin`/`ctx.stdout`),
 * for the new server's name (validated by `check`, which add-server's core uses too:
 * `create`'s rules plus clashes with the monorepo) and its one-line description,
 * whichever `known` lacks.
 *
 * @param ctx - injected I/O.
 * @param known - what flags already gave.
 * @param check - name validator: `true` or a one-line problem (`checkNewServerName` with the monorepo's facts).
 * @param project - the monorepo's project name, shown in the intro.
 * @returns name and description (an empty description answer becomes `<Title> MCP server.`).
 * @throws CancelledError when the user cancels a prompt (nothing written yet).
 */
export async function promptAddServer(
  ctx: Context,
  known: AddServerAnswers,
  check: (name: string) => true | string,
  project: string,
): Promise<Required<AddServerAnswers>> {
  const io = { input: ctx.stdin, output: ctx.stdout };
  p.intro(`add-server to ${project}`, { output: ctx.stdout });
  const name =
    known.name ??
    answered(
      await p.text({
        ...io,
        // No placeholder: grey text is a default everywhere else, and a new server has none.
        message: "Name of the new server (server-<name>/: lowercase letters, digits, hyphens)",
        validate: (v) => {
          const ok = check(v ?? "");
          return ok === true ? undefined : ok;
        },
      }),
      ctx,
    );
  const fallback = `${toTitle(name)} MCP server.`;
  const description =
    known.description ??
    answered(
      await p.text({
        ...io,
        message: `One-line description of ${name}`,
        placeholder: fallback,
        defaultValue: fallback,
        validate: (v) => ((v ?? "").length > MAX_DESCRIPTION_LENGTH ? `at most ${MAX_DESCRIPTION_LENGTH} characters` : undefined),
      }),
      ctx,
    );
  return { name, description };
}
