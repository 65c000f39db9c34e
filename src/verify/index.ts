/**
 * verify's public surface for other features: the cached throwaway venvs (one per requirements
 * set and Python version) that `test` and `dev` build their servers' environments with.
 */
export { ensureVenv, InstallError, type Venv } from "./venv.js";
export { readEnvFile, serverEnv } from "./env.js";
