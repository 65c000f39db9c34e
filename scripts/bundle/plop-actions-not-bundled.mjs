// Bundled in place of node-plop's built-in file actions (node-plop/src/actions/index.js;
// scripts/build.mjs): `add`, `addMany`, `modify` and `append` write straight to disk, and this
// CLI never uses them: its generators have only the `render` action of src/scaffold/render.ts,
// which collects files into a plan (test/package/bundle.test.ts checks that). Leaving them out
// keeps tinyglobby, picomatch, fdir and isbinaryfile out of every `create`. Any use fails loudly.
const notBundled = (name) => () => {
  throw new Error(`node-plop's built-in "${name}" action is not part of this build: generators use the "render" action (src/scaffold/render.ts)`);
};
export const add = notBundled("add");
export const addMany = notBundled("addMany");
export const modify = notBundled("modify");
export const append = notBundled("append");
