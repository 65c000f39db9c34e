// Monorepos made by the real `create` core, for the add-server tests.
import * as fs from "node:fs/promises";
import path from "node:path";
import { createMonorepo } from "../../src/scaffold/create.js";
import { hashTree, listTree, runCli, tempDir, type CliRun } from "../helpers/cli.js";

/** The three servers `create --yes` makes. */
export const DEFAULT_NAMES = ["ops", "customer", "finance"];

/**
 * Creates a monorepo with `createMonorepo` (no git) in a new temp folder.
 *
 * @param servers - server names (descriptions: `<name> tools.`).
 * @returns the monorepo root.
 */
export async function makeMonorepo(servers: string[] = DEFAULT_NAMES, project = "demo"): Promise<string> {
  const parent = await tempDir("mcpm-add-");
  const targetDir = path.join(parent, project);
  await createMonorepo({
    targetDir,
    project,
    servers: servers.map((name) => ({ name, description: `${name} tools.` })),
    python: "3.12",
    git: false,
    repository: `example/${project}`,
    branch: "main",
    targets: ["fastmcp-cloud"],
  });
  return targetDir;
}

/** Runs `add-server ...argv` in-process (non-interactive) from `cwd`. */
export function addServerCli(cwd: string, ...argv: string[]): Promise<CliRun> {
  return runCli(["add-server", ...argv], { cwd, env: { ...process.env, NO_COLOR: "1" } });
}

/** Every file's hash and every entry (folders too) under `root`: equal before/after means nothing was written. */
export async function snapshot(root: string): Promise<{ files: Record<string, string>; entries: string[] }> {
  return { files: await hashTree(root), entries: await listTree(root) };
}

/** Reads a root-relative file as UTF-8. */
export function read(root: string, rel: string): Promise<string> {
  return fs.readFile(path.join(root, ...rel.split("/")), "utf8");
}

/** Writes a root-relative file. */
export async function write(root: string, rel: string, text: string): Promise<void> {
  await fs.writeFile(path.join(root, ...rel.split("/")), text);
}
