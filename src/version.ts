import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** Absolute path of the package root (holds package.json, templates/, generators/). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const PACKAGE = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string; homepage?: string; bugs?: { url?: string } };

/** This package's version, read from package.json at start-up. */
export const VERSION: string = PACKAGE.version;

/** Where the docs live (package.json `homepage`), shown in `--help`. */
export const HOMEPAGE: string = PACKAGE.homepage ?? "";

/** Where to report a bug (package.json `bugs.url`), shown with unexpected errors. */
export const BUGS_URL: string = PACKAGE.bugs?.url ?? "";
