import * as fs from "node:fs/promises";
import path from "node:path";
import { CannotRunError } from "../kernel/errors.js";
import { PACKAGE_ROOT } from "../version.js";
import { RULE_IDS } from "./types.js";

/**
 * `check --explain RULE`: prints a rule's documentation, shipped with the package in
 * `docs/check-rules/<rule>.md` (package.json `files`), found from the package root like the
 * Python analyzer (the bundle's chunks sit in dist/, the sources in src/check/).
 */
export const RULE_DOCS_DIR = path.join(PACKAGE_ROOT, "docs", "check-rules");

/**
 * The Markdown documentation of a rule.
 *
 * @throws CannotRunError for an unknown rule id, listing the valid ones on one line.
 */
export async function explainRule(rule: string): Promise<string> {
  if (!(RULE_IDS as readonly string[]).includes(rule)) {
    throw new CannotRunError(`unknown rule "${rule}"; rules: ${RULE_IDS.join(", ")}`);
  }
  try {
    return await fs.readFile(path.join(RULE_DOCS_DIR, `${rule}.md`), "utf8");
  } catch {
    throw new CannotRunError(`the documentation of ${rule} is missing from this installation (${RULE_DOCS_DIR}); reinstall create-mcp-monorepo`);
  }
}
