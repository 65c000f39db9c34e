import type { FileFacts } from "../facts.js";
import { parsedSources } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `config-before-validate`.
 *
 * `API_URL = Config.API_URL` at module level before `Config.validate()` reads a setting that has
 * not been checked yet: a missing or malformed value is used instead of failing at start-up.
 * Applies when the code under `src/` (normally the vendored shared config) defines a class with a
 * `validate` method, or a module-level instance of one. Reads inside functions run later and are
 * fine; reads at import time (module level, class bodies, default arguments, decorators) must come
 * after a module-level `validate()` call in the same module (directly, or inside a function called
 * at module level such as `create_server()`), unless the defining module validates on import. Names are followed through re-exports (`from shared import Config` → `shared.config.Config`).
 */

type Modules = Map<string, FileFacts>;

/** Follows `from .config import Config` re-exports to the defining module: `shared.Config` → `shared.config.Config`. */
export function canonicalName(q: string, modules: Modules): string {
  let cur = q;
  for (let hop = 0; hop < 10; hop++) {
    const parts = cur.split(".");
    let next: string | null = null;
    for (let n = parts.length - 1; n >= 1 && next === null; n--) {
      const mod = modules.get(parts.slice(0, n).join("."));
      const target = mod?.reexports[parts[n]!];
      if (mod && target && target !== cur) next = [target, ...parts.slice(n + 1)].join(".");
      else if (mod) break;
    }
    if (next === null) return cur;
    cur = next;
  }
  return cur;
}

/** A name as written in module `m`, made absolute: local definitions get the module prefix. */
function qualifyIn(m: string, facts: FileFacts, name: string): string {
  if (name.includes(".")) return name;
  const local = facts.bindings.some((b) => b.name === name && b.scope === "module" && b.kind !== "import");
  return local ? `${m}.${name}` : name;
}

/** The `config-before-validate` rule (warning; see the module comment). */
export const configOrderRule: Rule = (server) => {
  const out: Finding[] = [];
  const modules: Modules = new Map();
  const files = [...parsedSources(server)];
  for (const f of files) modules.set(f.module, f.facts);
  const validatable = new Set<string>();
  for (const [m, facts] of modules) {
    for (const c of facts.classes) if (c.scope === "module" && c.hasValidate) validatable.add(`${m}.${c.name}`);
  }
  if (validatable.size === 0) return out;
  for (const [m, facts] of modules) {
    for (const b of facts.bindings) {
      if (b.scope === "module" && b.kind === "call" && b.callee && validatable.has(canonicalName(qualifyIn(m, facts, b.callee), modules))) validatable.add(`${m}.${b.name}`);
    }
  }
  const validatedOnImport = new Set<string>();
  for (const [m, facts] of modules) {
    for (const v of facts.validateCalls) {
      const target = canonicalName(qualifyIn(m, facts, v.obj), modules);
      if (v.scope === "module" && target.startsWith(`${m}.`) && validatable.has(target)) validatedOnImport.add(target);
    }
  }
  for (const f of files) {
    const firstValidate = new Map<string, number>();
    const validateAt = (obj: string, line: number) => {
      const target = canonicalName(qualifyIn(f.module, f.facts, obj), modules);
      const prev = firstValidate.get(target);
      if (prev === undefined || line < prev) firstValidate.set(target, line);
    };
    for (const v of f.facts.validateCalls) if (v.scope === "module") validateAt(v.obj, v.line);
    // `mcp = create_server()` at module level, where create_server() calls Config.validate().
    for (const call of f.facts.moduleCalls) {
      for (const obj of f.facts.defs.find((d) => d.name === call.callee && d.scope === "module")?.validates ?? []) validateAt(obj, call.line);
    }
    const reported = new Set<string>();
    for (const r of f.facts.attrReads) {
      if (r.attr === "validate") continue;
      const target = canonicalName(qualifyIn(f.module, f.facts, r.obj), modules);
      if (!validatable.has(target) || validatedOnImport.has(target) || reported.has(target)) continue;
      const at = firstValidate.get(target);
      if (at !== undefined && at < r.line) continue;
      reported.add(target);
      out.push(
        finding(
          "config-before-validate",
          "warning",
          server,
          f.rel,
          r.line,
          `${r.text}.${r.attr} is read at import time ${at === undefined ? `but ${r.text}.validate() is never called at module level in this file` : `before ${r.text}.validate() (line ${at})`}: the setting may not be validated yet`,
          `call \`${r.text}.validate()\` right after the import, before the first read (validate first, then read settings)`,
        ),
      );
    }
  }
  return out;
};
