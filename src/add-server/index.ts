/**
 * add-server's public surface for other features: the checks of a new server name (the same
 * validation for `add-server NAME` and `rename-server OLD NAME`).
 */
export { checkNewServerName, gatherNameFacts, type NameFacts } from "./preflight.js";
