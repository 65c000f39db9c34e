import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { PACKAGE_ROOT } from "../../version.js";
import { splitPathObject } from "../collect.js";
import { finding, type Rule } from "../rule.js";
import type { Finding } from "../types.js";

/**
 * Rule `fastmcp-json`.
 *
 * Source: FastMCP's server configuration, schema v1
 * (https://gofastmcp.com/public/schemas/fastmcp.json/v1.json; the schema in
 * `schemas/fastmcp-config-v1.schema.json`, shipped as a file and read on first use, is generated from
 * FastMCP 4.1.2's pydantic model, see the README next to it). Checks: strict JSON; valid against the schema (field types, enums, required
 * `source.path`) with ajv; `source.path` (and `environment.requirements`) exist relative to the
 * server folder, where generated docs run `fastmcp run fastmcp.json`. Unknown keys are warnings:
 * FastMCP's pydantic models ignore them silently, so a misspelt key (`entry_point`) does nothing.
 */

/** Path of FastMCP's config schema v1 in the package (a shipped file, not bundled). */
export const FASTMCP_CONFIG_SCHEMA_FILE = path.join(PACKAGE_ROOT, "schemas", "fastmcp-config-v1.schema.json");

let schemaCache: SchemaNode & { $defs: Record<string, SchemaNode> } | null = null;

/** FastMCP's config schema v1, read from {@link FASTMCP_CONFIG_SCHEMA_FILE} once. */
function configSchema(): SchemaNode & { $defs: Record<string, SchemaNode> } {
  schemaCache ??= JSON.parse(readFileSync(FASTMCP_CONFIG_SCHEMA_FILE, "utf8")) as SchemaNode & { $defs: Record<string, SchemaNode> };
  return schemaCache;
}

let validator: ValidateFunction | null = null;

/** The compiled schema validator (ajv; the schema's `format: "path"` is accepted as any string). */
export function fastmcpConfigValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat("path", true);
    validator = ajv.compile(configSchema());
  }
  return validator;
}

/** JSON pointer (`/source/path`) → key path (`["source", "path"]`). */
function keyPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** One message per failing location, merged from ajv's anyOf branches ("must be string or null"). */
export function schemaProblems(errors: ErrorObject[]): { path: (string | number)[]; message: string }[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  }
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const [pointer, errs] of byPath) {
    const name = pointer ? pointer.slice(1).replace(/\//g, ".") : "(top level)";
    for (const req of errs.filter((e) => e.keyword === "required")) {
      out.push({ path: keyPath(pointer), message: `${name}: missing required field "${(req.params as { missingProperty: string }).missingProperty}"` });
    }
    const enums = errs.filter((e) => e.keyword === "enum").flatMap((e) => (e.params as { allowedValues: unknown[] }).allowedValues);
    const consts = errs.filter((e) => e.keyword === "const").map((e) => (e.params as { allowedValue: unknown }).allowedValue);
    const types = errs.filter((e) => e.keyword === "type").map((e) => String((e.params as { type: string }).type));
    if (enums.length + consts.length > 0) {
      out.push({ path: keyPath(pointer), message: `${name} must be one of ${[...enums, ...consts].map((v) => JSON.stringify(v)).join(", ")}` });
    } else if (types.length > 0) {
      out.push({ path: keyPath(pointer), message: `${name} must be ${[...new Set(types)].join(" or ")}` });
    } else {
      const other = errs.find((e) => !["required", "anyOf"].includes(e.keyword));
      if (other) out.push({ path: keyPath(pointer), message: `${name} ${other.message ?? "is invalid"}` });
    }
  }
  return out;
}

type SchemaNode = { $ref?: string; properties?: Record<string, SchemaNode>; anyOf?: SchemaNode[]; type?: string };

function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node?.$ref?.startsWith("#/$defs/")) return configSchema().$defs[node.$ref.slice(8)];
  return node;
}

/** Keys the schema does not define (FastMCP ignores them), with their key paths. */
export function unknownKeys(data: unknown, node: SchemaNode = configSchema(), at: string[] = []): string[][] {
  const s = deref(node);
  if (!s || typeof data !== "object" || data === null || Array.isArray(data)) return [];
  const objectSchema = s.properties ? s : s.anyOf?.map(deref).find((b) => b?.properties);
  if (!objectSchema?.properties) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(data)) {
    const sub = objectSchema.properties[k];
    if (!sub) out.push([...at, k]);
    else out.push(...unknownKeys(v, sub, [...at, k]));
  }
  return out;
}

/** The `fastmcp-json` rule (errors; unknown keys are warnings). */
export const fastmcpJsonRule: Rule = (server) => {
  const out: Finding[] = [];
  const file = server.fastmcpJson;
  const parsed = server.fastmcpConfig;
  if (!file || !parsed) return out;
  if (parsed.error) {
    out.push(finding("fastmcp-json", "error", server, file.rel, parsed.error.line, `not valid JSON (${parsed.error.message}); fastmcp.json is strict JSON, no comments or trailing commas`, "fix the JSON syntax"));
    return out;
  }
  const validate = fastmcpConfigValidator();
  if (!validate(parsed.data)) {
    for (const p of schemaProblems(validate.errors ?? [])) {
      out.push(finding("fastmcp-json", "error", server, file.rel, parsed.lineOf(p.path), `${p.message} (FastMCP fastmcp.json schema v1)`, "see https://gofastmcp.com/public/schemas/fastmcp.json/v1.json for the fields and their types"));
    }
  }
  for (const k of unknownKeys(parsed.data)) {
    out.push(finding("fastmcp-json", "warning", server, file.rel, parsed.lineOf(k), `unknown field "${k.join(".")}": FastMCP ignores it`, "remove it or fix its name (schema v1 fields: source, environment, deployment)"));
  }
  const data = parsed.data as { source?: { path?: unknown }; environment?: { requirements?: unknown } };
  if (typeof data?.source?.path === "string") {
    const target = splitPathObject(data.source.path).file;
    if (!existsSync(path.resolve(server.server.dir, target))) {
      out.push(finding("fastmcp-json", "error", server, file.rel, parsed.lineOf(["source", "path"]), `source.path "${target}" does not exist relative to ${server.folder}/ (fastmcp run fastmcp.json resolves it from the server folder)`, `point source.path at the entry file, e.g. "src/server.py"`));
    }
  }
  const entry = server.entry;
  if (entry.from === "mcp-monorepo.yaml" && entry.fastmcpJsonFile && entry.fastmcpJsonFile !== entry.rel) {
    out.push(finding("fastmcp-json", "warning", server, file.rel, parsed.lineOf(["source", "path"]), `source.path names ${entry.fastmcpJsonFile}, but mcp-monorepo.yaml deploys ${entry.rel}: \`fastmcp run fastmcp.json\` runs a different file than FastMCP Cloud`, "make source.path and the manifest's entrypoint name the same file"));
  }
  if (typeof data?.environment?.requirements === "string" && !existsSync(path.resolve(server.server.dir, data.environment.requirements))) {
    out.push(finding("fastmcp-json", "error", server, file.rel, parsed.lineOf(["environment", "requirements"]), `environment.requirements "${data.environment.requirements}" does not exist relative to ${server.folder}/`, `point it at the server's requirements file, e.g. "requirements.txt"`));
  }
  return out;
};
