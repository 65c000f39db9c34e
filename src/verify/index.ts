/**
 * verify's public surface for other features: the tools FastMCP reports for each server
 * (`fastmcp inspect` in the server's own environment), which `list --inspect` shows, and the
 * server's environment variables as `dev` passes them. The cached throwaway venvs `verify`, `test`
 * and `dev` build servers' environments with are the lock feature's (`ensureVenv`).
 */
export { inspectTools } from "./verify.js";
export { readEnvFile, serverEnv } from "./env.js";
