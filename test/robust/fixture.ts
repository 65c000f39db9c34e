// The monorepo the add-server, sync and check cases (and the fault suite) start from.
import * as fs from "node:fs/promises";
import path from "node:path";
import { createMonorepo } from "../../src/scaffold/create.js";
import { parseManifest } from "../../src/monorepo/manifest.js";
import { tempDir } from "../helpers/cli.js";
import type { Sandbox } from "./harness.js";

/** Root files that list servers (add-server updates them); everything else pre-existing must stay byte-identical. */
export const LISTING_FILES = new Set(["README.md", "mcp-monorepo.yaml", ".env.example", "mcp-monorepo.lock.json"]);
export const USER_README_LINE = "Our own notes: keep this line \u2014 {{ not a template }} | pipe";
export const USER_YAML_COMMENT = "# our comment: servers are reviewed by ops";
export const USER_ENV_LINE = "# our own variable\nTEAM_TOKEN=changeme";

let templateRoot: Promise<string> | null = null;

/**
 * A generated monorepo (two servers, no git) with user text added where users add it: a README
 * line outside the generated table, a YAML comment, a root .env.example variable. Made once per
 * test file; cases copy it.
 */
export function monorepoTemplate(): Promise<string> {
  templateRoot ??= (async () => {
    const root = path.join(await tempDir("mcpm-robust-tpl-"), "repo");
    await createMonorepo({ targetDir: root, project: "repo", servers: [{ name: "ops", description: "Ops tools." }, { name: "billing", description: "Billing tools." }], python: "3.12", git: false, repository: "example/repo", branch: "main", targets: ["fastmcp-cloud"] });
    await fs.appendFile(path.join(root, "README.md"), `\n${USER_README_LINE}\n`);
    const yaml = await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8");
    await fs.writeFile(path.join(root, "mcp-monorepo.yaml"), `${USER_YAML_COMMENT}\n${yaml}`);
    await fs.appendFile(path.join(root, ".env.example"), `\n${USER_ENV_LINE}\n`);
    return root;
  })();
  return templateRoot;
}

/** Removes the template (afterAll). */
export async function removeTemplate(): Promise<void> {
  if (templateRoot) await fs.rm(path.dirname(await templateRoot), { recursive: true, force: true });
  templateRoot = null;
}

/** Copies the template into the sandbox (symlinks copied as links). */
export async function copyTemplate(box: Sandbox): Promise<string> {
  const repo = path.join(box.work, "repo");
  await fs.cp(await monorepoTemplate(), repo, { recursive: true, verbatimSymlinks: true });
  return repo;
}

/** Reads the manifest's server names, or null when it does not parse. */
export async function manifestNames(root: string): Promise<string[] | null> {
  try {
    return parseManifest(await fs.readFile(path.join(root, "mcp-monorepo.yaml"), "utf8"), root).manifest.servers.map((s) => s.name);
  } catch {
    return null;
  }
}

