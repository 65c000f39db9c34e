/**
 * The variables a bundle asks its host for (MCPB `user_config`): those a server's
 * `.env.example` documents as required.
 *
 * A `.env.example` is laid out as a `# Required` block (variables without a default) followed by
 * `# Optional (defaults shown)`, as `create` writes it. A variable is
 * required when it sits in a comment-headed block whose heading starts with "Required", or
 * when its own comment holds `[required]`. It is sensitive (MCPB `sensitive: true`, the host
 * stores it as a secret) when its name ends in `_KEY`, `_TOKEN`, `_SECRET` or `_PASSWORD`, or a
 * comment holds `[secret]`: the same convention the Kubernetes target uses for its Secret.
 */
import { parseEnvExample } from "../monorepo/env-example.js";

/** One required variable. */
export interface RequiredVariable {
  name: string;
  /** The comment lines right above it (without `#`), joined; empty when none. */
  description: string;
  sensitive: boolean;
}

/**
 * Required variables of a `.env.example`, in file order (parsed by the one `.env.example`
 * reader, src/monorepo/env-example.ts; `sensitive` is its `secret`).
 *
 * @param text - the file's text (LF or CRLF); commented-out `# NAME=` lines are not variables.
 */
export function requiredVariables(text: string): RequiredVariable[] {
  return parseEnvExample(text)
    .filter((v) => v.required)
    .map((v) => ({ name: v.name, description: v.description, sensitive: v.secret }));
}

/** The `user_config` key of a variable: its name in lower case (`API_KEY` → `api_key`). */
export function userConfigKey(name: string): string {
  return name.toLowerCase();
}
