/** The `affected` command's core: which servers a change touches (the generated CI's job list). */
export { affectedBy, findAffected, CI_WORKFLOW, type Affected, type AffectedOptions } from "./affected.js";
