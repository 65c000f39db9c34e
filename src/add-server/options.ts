import path from "node:path";
import * as z from "../kernel/zod.js";
import { MAX_DESCRIPTION_LENGTH } from "../scaffold/create.js";
import { CannotRunError, UserError } from "../kernel/errors.js";
import { knownTarget, type Target } from "../monorepo/manifest.js";
import { toTitle, validateServerName } from "../monorepo/names.js";

/**
 * Validated options of the `add-server` core (zod), as the CLI layer hands them over
 * after parsing flags and prompting.
 */
export const addServerOptionsSchema = z.object({
  /** Absolute folder to start from: the monorepo root or any folder inside it (the root is found by walking up to `mcp-monorepo.yaml`). */
  cwd: z.string().check(z.refine((p) => path.isAbsolute(p), "cwd must be an absolute path")),
  /** The new server's name (same rules as `create`; clashes are checked against the monorepo later). */
  name: z.string().check(
    z.superRefine((n, ctx) => {
      const ok = validateServerName(n);
      if (ok !== true) ctx.addIssue({ code: "custom", message: ok });
    }),
  ),
  /** One-line description; empty or missing → `<Title> MCP server.` as `create` does. */
  description: z.optional(z.string().check(z.maxLength(MAX_DESCRIPTION_LENGTH, `a server description is longer than ${MAX_DESCRIPTION_LENGTH} characters`))),
  /**
   * `--target` values: deployment targets the new server is written for, besides the manifest's own.
   * A target the manifest does not list yet is added to it as `add-target` would (files for every server).
   */
  targets: z.optional(z.array(z.string().check(knownTarget))),
});

/** Options of `addServer` / `planAddServer` after validation (description filled in). */
export type AddServerOptions = Required<Omit<z.infer<typeof addServerOptionsSchema>, "targets">> & { targets: Target[] };

/**
 * Validates raw options and fills the default description.
 *
 * @param raw - `{ cwd, name, description?, targets? }`.
 * @returns options with `description` and `targets` always set.
 * @throws UserError with the first problem as one line (e.g. an invalid server name).
 */
export function parseAddServerOptions(raw: unknown): AddServerOptions {
  const result = addServerOptionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    // An unknown target is a bad option value (exit 2), as in `check --target`.
    throw (issue as { params?: { unknownTarget?: boolean } }).params?.unknownTarget ? new CannotRunError(issue.message) : new UserError(issue.message);
  }
  const { cwd, name, description, targets } = result.data;
  return { cwd, name, description: description?.trim() ? description : defaultDescription(name), targets: (targets ?? []) as Target[] };
}

/** The description `create` uses when none is given: `ops-team` → `Ops Team MCP server.` */
export function defaultDescription(name: string): string {
  return `${toTitle(name)} MCP server.`;
}
