// The table of commands the property suite runs (issue 12). Adding a command is one line here
// and one file in specs/ (see spec.ts for what a spec holds).
import type { AnySpec } from "./spec.js";
import { addServerSpec } from "./specs/add-server.js";
import { addTargetSpec } from "./specs/add-target.js";
import { bundleSpec } from "./specs/bundle.js";
import { checkSpec } from "./specs/check.js";
import { createSpec } from "./specs/create.js";
import { removeServerSpec, removeTargetSpec, renameServerSpec } from "./specs/lifecycle.js";
import { syncSpec } from "./specs/sync.js";
import { upgradeSpec } from "./specs/upgrade.js";
import { verifySpec } from "./specs/verify.js";

export { isInside, type AnySpec, type CommandSpec, type Deferred, type Prepared } from "./spec.js";
export { monorepoTemplate, removeTemplate } from "./fixture.js";

/** Every command the property suite covers. */
export const COMMANDS: AnySpec[] = [createSpec, addServerSpec, syncSpec, checkSpec, addTargetSpec, bundleSpec, verifySpec, removeServerSpec, renameServerSpec, removeTargetSpec, upgradeSpec];
