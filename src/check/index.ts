/**
 * check's public surface for other features: how check reads a monorepo's servers (the
 * workspace, each server's files) and runs the Python analyzer. `verify` builds its venvs from
 * exactly what `check` reads, so the two never disagree on a server's requirements or settings.
 */
export { collectServer, type ServerData } from "./collect.js";
export { runAnalyzer } from "./python.js";
export type { CheckedServer } from "./types.js";
export { loadWorkspace, type Workspace } from "./workspace.js";
