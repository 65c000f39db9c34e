/**
 * bundle's public surface for other features: what an MCPB bundle of a server holds (the
 * `.mcpbignore` filters) and which variables it asks its host for. check's `mcpb` rule judges a
 * server with these, so it flags exactly what `bundle` would build.
 */
export { requiredVariables, type RequiredVariable } from "./env.js";
export { loadIgnore, MCPBIGNORE } from "./files.js";
