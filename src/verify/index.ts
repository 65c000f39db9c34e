/**
 * verify's public surface for other features: the tools FastMCP reports for each server
 * (`fastmcp inspect` in the server's own environment), which `list --inspect` shows; and the cached
 * throwaway venvs (one per requirements set and Python version) that `test` and `dev` build their
 * servers' environments with.
 */
export { inspectTools } from "./verify.js";
export { ensureVenv, InstallError, type Venv } from "./venv.js";
export { readEnvFile, serverEnv } from "./env.js";
