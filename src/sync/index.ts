/**
 * sync's public surface for other features: the read-only plan (`list` shows each server's
 * verdict from it, as `sync --check` would give it).
 */
export { planSync } from "./plan.js";
export type { PlanSyncOptions, ServerStatus, SyncPlan } from "./types.js";
