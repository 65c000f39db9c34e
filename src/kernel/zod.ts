// The schema library, as every module imports it: `zod/mini`, zod's tree-shakable build (the same
// validation core and issue messages as `zod`, functions instead of methods: `z.optional(s)`,
// `s.check(z.minLength(1))`), with zod's English messages, which the full `zod` entry configures
// by itself. In the bundle this is ~20 KB instead of ~100 KB, and a `create` loads it about 10 ms
// faster (bench/README.md). https://zod.dev/packages/mini
// Import it as a namespace, `import * as z from "./zod.js"`: the bundler then keeps only the
// functions used (a namespace object passed around as a value would keep all of zod, locales too).
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
