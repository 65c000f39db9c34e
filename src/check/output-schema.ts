import { RULE_IDS } from "./types.js";

/**
 * JSON Schema (draft-07) of `check --json` output, format version 1 (see `checkJson` in
 * ./format.ts). Tools reading the output can validate against it; the test suite does, with ajv.
 */
export const CHECK_OUTPUT_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/create-mcp-monorepo/check-output/v1.json",
  title: "create-mcp-monorepo check --json output",
  type: "object",
  additionalProperties: false,
  required: ["formatVersion", "root", "discovered", "targets", "servers", "python", "findings", "summary"],
  properties: {
    formatVersion: { const: 1 },
    root: { type: "string", minLength: 1, description: "absolute monorepo root" },
    discovered: { type: "boolean", description: "true when there is no mcp-monorepo.yaml and servers were discovered from the layout" },
    targets: { type: "array", minItems: 1, items: { enum: ["fastmcp-cloud", "docker", "k8s", "mcpb"] } },
    servers: { type: "array", items: { type: "string", minLength: 1 } },
    python: {
      type: "object",
      additionalProperties: false,
      required: ["executable", "version"],
      properties: {
        executable: { type: "string" },
        version: { type: "string", pattern: "^3\\.\\d+\\.\\d+" },
        note: { type: "string", description: "why the parsing Python is not the targets' (their version is not installed)" },
      },
    },
    metadata: {
      enum: ["uv", "pip", "partial", "map", "offline"],
      description: "where import-to-distribution answers came from: uv or pip resolutions of every server's requirements, some, none (built-in map), or --offline",
    },
    resolver: { type: "string", description: "what resolved the requirements: `uv X.Y.Z` or `pip`" },
    findings: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["rule", "severity", "server", "file", "line", "message", "fix"],
        properties: {
          rule: { enum: [...RULE_IDS] },
          severity: { enum: ["error", "warning"] },
          server: { type: ["string", "null"] },
          file: { type: "string", minLength: 1, pattern: "^[^\\\\]+$", description: "POSIX path relative to the root" },
          line: { type: ["integer", "null"], minimum: 1 },
          message: { type: "string", minLength: 1, pattern: "^[^\\n]+$" },
          fix: { type: "string", minLength: 1, pattern: "^[^\\n]+$" },
        },
      },
    },
    summary: {
      type: "object",
      additionalProperties: false,
      required: ["errors", "warnings", "servers", "exitCode"],
      properties: {
        errors: { type: "integer", minimum: 0 },
        warnings: { type: "integer", minimum: 0 },
        servers: { type: "integer", minimum: 0 },
        exitCode: { enum: [0, 1] },
      },
    },
  },
} as const;
