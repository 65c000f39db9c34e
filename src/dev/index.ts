/** The `dev` command's core: every server running locally, with reload, and an optional gateway. */
export { startDev, DEFAULT_GATEWAY_PORT, type DevEvent, type DevOptions, type DevRun, type DevServer } from "./dev.js";
export { clientConfig, CLIENTS, type Client } from "./clients.js";
