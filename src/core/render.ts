import { readFile } from "node:fs/promises";
import path from "node:path";
import Handlebars from "handlebars";
import type { NodePlopAPI } from "node-plop";
import { PACKAGE_ROOT } from "../version.js";
import { commentText, jsonValue, markdownInline, pyDocText, pyString, yamlScalar } from "./escape.js";
import type { DesiredFile } from "./plan.js";

/** Template data for one server (names are already validated). */
export interface ServerData {
  name: string;
  description: string;
  /** `server-<name>` */
  folder: string;
  /** Human title, e.g. `Ops Team`. */
  title: string;
  /** Env var the server's hello tool reads, e.g. `OPS_GREETING`. */
  greetingVar: string;
}

/** Template data for the `monorepo` generator. */
export interface MonorepoData {
  project: string;
  python: string;
  generatorVersion: string;
  servers: ServerData[];
  /** The marked README Deployment table (src/core/readme.ts). */
  deploymentTable: string;
}

/** Template data for the `server` generator. */
export interface ServerGeneratorData {
  server: ServerData;
  python: string;
  /**
   * `fastmcp.json` `environment.python`: the lowest supported version as a PEP 440
   * range (`>=3.12`), so a runtime newer than the minimum (FastMCP Cloud's 3.12 for a
   * 3.10 project) is admitted, while a `>=3.13` project is visibly not (seed 000).
   */
  pythonRequirement: string;
  generatorVersion: string;
}

const PLOPFILE = path.join(PACKAGE_ROOT, "generators", "plopfile.js");
const PARTIALS: Record<string, string> = {
  sharedEnv: "templates/partials/shared-env.hbs",
  rootEnvServer: "templates/partials/root-env-server.hbs",
  mcpbSection: "templates/partials/mcpb-section.hbs",
};

const safe = (fn: (s: string) => string) => (value: unknown) => new Handlebars.SafeString(fn(String(value ?? "")));

/** Escaping helpers available in every template (each returns a SafeString, so `{{helper x}}` is not HTML-escaped). */
export const TEMPLATE_HELPERS: Record<string, (value: unknown) => Handlebars.SafeString> = {
  pyStr: safe(pyString),
  pyDoc: safe(pyDocText),
  comment: safe(commentText),
  md: safe(markdownInline),
  yaml: safe(yamlScalar),
  json: (value: unknown) => new Handlebars.SafeString(jsonValue(value)),
};

/** One Handlebars environment with our helpers and partials, and each template compiled once per process. */
let templateEnv: Promise<{ hb: typeof Handlebars; compiled: Map<string, Handlebars.TemplateDelegate> }> | null = null;

function templates(): Promise<{ hb: typeof Handlebars; compiled: Map<string, Handlebars.TemplateDelegate> }> {
  templateEnv ??= (async () => {
    const hb = Handlebars.create();
    for (const [name, fn] of Object.entries(TEMPLATE_HELPERS)) hb.registerHelper(name, fn);
    for (const [name, file] of Object.entries(PARTIALS)) hb.registerPartial(name, await readFile(path.join(PACKAGE_ROOT, file), "utf8"));
    return { hb, compiled: new Map() };
  })();
  return templateEnv;
}

/** Renders a template file with data; the file is read and compiled on first use only (a create renders each server template once per server). */
async function renderTemplateFile(file: string, data: object): Promise<string> {
  const { hb, compiled } = await templates();
  let template = compiled.get(file);
  if (!template) {
    template = hb.compile(await readFile(file, "utf8"));
    compiled.set(file, template);
  }
  return template(data);
}

async function loadPlop(collect: Map<string, DesiredFile>): Promise<NodePlopAPI> {
  // Loaded on first render only: node-plop (with inquirer) is most of the CLI's start-up time.
  const { default: nodePlop } = await import("node-plop");
  const plop = await nodePlop(PLOPFILE, { destBasePath: PACKAGE_ROOT, force: false });
  for (const [name, fn] of Object.entries(TEMPLATE_HELPERS)) plop.setHelper(name, fn);
  for (const [name, file] of Object.entries(PARTIALS)) {
    plop.setPartial(name, await readFile(path.join(PACKAGE_ROOT, file), "utf8"));
  }
  plop.setActionType("render", async (answers, config, api) => {
    const templateFile = path.resolve(api.getPlopfilePath(), String(config.templateFile));
    const outPath = api.renderString(String(config.path), answers);
    collect.set(outPath, { content: await renderTemplateFile(templateFile, answers), mode: 0o644 });
    return outPath;
  });
  return plop;
}

/**
 * Runs a node-plop generator and collects what it renders, writing nothing
 * (STYLE.md §2: plan, then apply).
 *
 * @param generator - `monorepo` or `server` (generators/*.js).
 * @param data - the generator's template data.
 * @returns POSIX relative path → rendered file.
 * @throws Error if any action fails (a template bug, not a user error).
 */
export async function renderGenerator(generator: "monorepo", data: MonorepoData): Promise<Map<string, DesiredFile>>;
export async function renderGenerator(generator: "server", data: ServerGeneratorData): Promise<Map<string, DesiredFile>>;
export async function renderGenerator(generator: string, data: object): Promise<Map<string, DesiredFile>> {
  const files = new Map<string, DesiredFile>();
  const plop = await loadPlop(files);
  const { failures } = await plop.getGenerator(generator).runActions({ ...data });
  if (failures.length > 0) {
    throw new Error(`generator ${generator} failed: ${failures.map((f) => `${f.path}: ${f.error || f.message}`).join("; ")}`);
  }
  return files;
}

/**
 * Renders one partial (e.g. `rootEnvServer`) with data, for updates that append
 * a section to an existing file (add-server).
 */
export async function renderPartial(name: keyof typeof PARTIALS | string, data: object): Promise<string> {
  const file = PARTIALS[name];
  if (!file) throw new Error(`unknown partial ${name}`);
  return renderTemplateFile(path.join(PACKAGE_ROOT, file), data);
}
