// Bundled in place of the `resolve` package for node-plop (scripts/build.mjs): node-plop uses it
// only in `plop.load()`, to find other plopfiles installed as packages, which this CLI never
// calls (its one plopfile is generators/plopfile.js, loaded by path). Leaving it out keeps its
// CommonJS files and its table of Node builtins out of every `create`. Any use fails loudly.
const notBundled = () => {
  throw new Error("plop.load() is not part of this build: the CLI's generators are all in generators/plopfile.js");
};
export default { sync: notBundled };
