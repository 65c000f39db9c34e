// Bundled in place of `inquirer` (scripts/build.mjs): node-plop imports inquirer for its
// own prompts (`runPrompts`), which this CLI never uses. Our generators declare
// `prompts: []` and get their data from src/prompts/ (clack); test/package/bundle.test.ts
// checks that. Leaving inquirer out keeps about 800 KB (rxjs, iconv-lite, ...) out of the
// package. Any use of it fails loudly instead of silently doing nothing.
const notBundled = () => {
  throw new Error("node-plop prompts are not part of this build: generators get their data from the CLI's own prompts");
};
const prompt = Object.assign(notBundled, { prompts: {} });
export default { prompt, registerPrompt: notBundled, createPromptModule: notBundled };
