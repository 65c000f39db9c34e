/**
 * add-target's public surface for other features: `add-server --target` plans a new target's
 * artefacts for the existing servers with the function `add-target` itself uses.
 */
export { planTargetArtefacts } from "./plan.js";
