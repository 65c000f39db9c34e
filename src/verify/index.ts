/**
 * verify's public surface for other features: the tools FastMCP reports for each server
 * (`fastmcp inspect` in the server's own environment), which `list --inspect` shows.
 */
export { inspectTools } from "./verify.js";
