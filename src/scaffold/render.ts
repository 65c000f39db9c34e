import { readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import type { NodePlopAPI } from "node-plop";
import { PACKAGE_ROOT } from "../version.js";
import { commentText, jsonValue, markdownInline, pyDocText, pyString, yamlScalar } from "../kernel/escape.js";
import type { DesiredFile } from "../monorepo/changes.js";
import { PRECOMPILED } from "./precompiled-templates.js";
import type { MonorepoData, RootTargetTemplateData, ServerGeneratorData, TargetTemplateData } from "./template-data.js";

const PLOPFILE = path.join(PACKAGE_ROOT, "generators", "plopfile.js");
/** Partials every template may use: name → template file (relative to the package root). */
const PARTIALS: Record<string, string> = {
  sharedEnv: "templates/partials/shared-env.hbs",
  rootEnvServer: "templates/partials/root-env-server.hbs",
  mcpbSection: "templates/partials/mcpb-section.hbs",
};

/**
 * Templates compiled in Handlebars' strict mode (a missing field throws instead of rendering
 * empty): the deployment artefacts, where an empty value would be a broken Dockerfile or manifest.
 */
export function isStrictTemplate(file: string): boolean {
  return file.startsWith("templates/targets/");
}

/**
 * The key of a template in the compiled-template cache and in the build's precompiled table:
 * a template file's path relative to the package root (`templates/server/src/server.py.hbs`), or
 * `path:` + the source of an inline template (a generator action's output path).
 */
export function templateKey(source: { file: string } | { inline: string }): string {
  return "file" in source ? source.file : `path:${source.inline}`;
}

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

/** One Handlebars environment with our helpers and partials; each template compiled once per process. */
interface TemplateEnv {
  hb: typeof Handlebars;
  compiled: Map<string, Handlebars.TemplateDelegate>;
}
let templateEnv: TemplateEnv | null = null;

function templates(): TemplateEnv {
  if (templateEnv) return templateEnv;
  const env: TemplateEnv = { hb: Handlebars.create(), compiled: new Map() };
  for (const [name, fn] of Object.entries(TEMPLATE_HELPERS)) env.hb.registerHelper(name, fn);
  templateEnv = env;
  for (const [name, file] of Object.entries(PARTIALS)) env.hb.registerPartial(name, compiledTemplate({ file }));
  return env;
}

/**
 * A compiled template: from the build's precompiled table when the CLI runs from its bundle
 * (no Handlebars compiler at run time), else compiled from the template's source on first use.
 * Template files are read synchronously: a create reads ~20 small files once.
 */
function compiledTemplate(source: { file: string } | { inline: string }): Handlebars.TemplateDelegate {
  const env = templates();
  const key = templateKey(source);
  let template = env.compiled.get(key);
  if (!template) {
    const spec = PRECOMPILED?.[key];
    if (spec) template = env.hb.template(spec);
    else if (PRECOMPILED) throw new Error(`template ${key} was not precompiled by the build (scripts/build.mjs): the bundle has no Handlebars compiler`);
    else if ("file" in source) template = env.hb.compile(readFileSync(path.join(PACKAGE_ROOT, ...source.file.split("/")), "utf8"), { strict: isStrictTemplate(source.file) });
    else template = env.hb.compile(source.inline);
    env.compiled.set(key, template);
  }
  return template;
}

/**
 * Renders a template file with data.
 *
 * @param file - path relative to the package root, POSIX separators (`templates/targets/k8s/k8s.yaml.hbs`).
 * @throws Error from Handlebars for a template bug (in strict templates, a missing field).
 */
function renderTemplate(file: string, data: object): string {
  return compiledTemplate({ file })(data);
}

/** Where a `render` action puts what it renders (a symbol key of the generator's data, invisible to templates). */
const COLLECT = Symbol("collect");

/** One node-plop instance per process, with our `render` action type (loaded on first render: node-plop is big). */
let plopInstance: Promise<NodePlopAPI> | null = null;

function loadPlop(): Promise<NodePlopAPI> {
  plopInstance ??= (async () => {
    const { default: nodePlop } = await import("node-plop");
    const plop = await nodePlop(PLOPFILE, { destBasePath: PACKAGE_ROOT, force: false });
    plop.setActionType("render", (answers, config, api) => {
      const collect = (answers as { [COLLECT]?: Map<string, DesiredFile> })[COLLECT];
      if (!collect) throw new Error("render action run outside renderGenerator");
      const templateFile = path.relative(PACKAGE_ROOT, path.resolve(api.getPlopfilePath(), String(config.templateFile))).split(path.sep).join("/");
      const outPath = compiledTemplate({ inline: String(config.path) })(answers);
      collect.set(outPath, { content: renderTemplate(templateFile, answers), mode: 0o644 });
      return outPath;
    });
    return plop;
  })();
  return plopInstance;
}

/**
 * Runs a node-plop generator and collects what it renders, writing nothing (callers plan the
 * files first, then apply them in one transaction). Every file the CLI generates is rendered here.
 *
 * @param generator - `monorepo`, `server` or `target-<id>` (generators/*.js).
 * @param data - the generator's template data.
 * @returns POSIX relative path → rendered file.
 * @throws Error if any action fails (a template bug, not a user error).
 */
export async function renderGenerator(generator: "monorepo", data: MonorepoData): Promise<Map<string, DesiredFile>>;
export async function renderGenerator(generator: "server", data: ServerGeneratorData): Promise<Map<string, DesiredFile>>;
export async function renderGenerator(generator: `target-${string}-root`, data: RootTargetTemplateData): Promise<Map<string, DesiredFile>>;
export async function renderGenerator(generator: `target-${string}`, data: TargetTemplateData): Promise<Map<string, DesiredFile>>;
export async function renderGenerator(generator: string, data: object): Promise<Map<string, DesiredFile>> {
  const files = new Map<string, DesiredFile>();
  const plop = await loadPlop();
  const { failures } = await plop.getGenerator(generator).runActions({ ...data, [COLLECT]: files });
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
  return renderTemplate(file, data);
}
