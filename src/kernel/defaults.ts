// Constants the commands' option declarations need at start-up. This module imports
// nothing, so `src/commands/*.ts` (loaded for every `--help`) can use it without pulling
// in yaml/zod; `manifest.ts` and `create.ts` re-export these for everything else.

/** Deployment targets the generator knows (seeds 000, 001, 002). */
export const TARGETS = ["fastmcp-cloud", "docker", "k8s", "mcpb"] as const;
/** One of {@link TARGETS}. */
export type Target = (typeof TARGETS)[number];

/** Python versions offered; 3.12 is the Python of FastMCP Cloud's base image (its build log: `mcp-base-python3.12`). */
export const PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14"] as const;
/** The Python runtime of FastMCP Cloud's base image `mcp-base-python3.12`, whatever `fastmcp.json` asks for (the platform's build log). */
export const FASTMCP_CLOUD_PYTHON = "3.12";

/** The servers `--yes` (and an interactive run that takes every default) creates: an operations, a customer and a finance server, one folder each. */
export const DEFAULT_SERVERS: ReadonlyArray<{ name: string; description: string }> = [
  { name: "ops", description: "Operations tools: service health, incidents and runbooks." },
  { name: "customer", description: "Customer tools: accounts, orders and support tickets." },
  { name: "finance", description: "Finance tools: invoices, payments and reports." },
];
/** Default Python: FastMCP Cloud's base image runtime. */
export const DEFAULT_PYTHON = FASTMCP_CLOUD_PYTHON;
/** Owner of the placeholder GitHub repository (`your-github-user/<project>`) used when none is given or known. */
export const PLACEHOLDER_GITHUB_OWNER = "your-github-user";
/** Default target folder name. */
export const DEFAULT_DIR = "my-mcp-servers";
/** Longest description accepted (characters). */
export const MAX_DESCRIPTION_LENGTH = 500;

/**
 * Platform ids accepted by `bundle --platform` (src/bundle/platforms.ts maps each to pip's
 * `--platform` tags and MCPB's `compatibility.platforms`).
 */
export const BUNDLE_PLATFORMS = ["linux-x86_64", "linux-arm64", "macos-arm64", "macos-x86_64", "windows-x86_64"] as const;
/** One of {@link BUNDLE_PLATFORMS}. */
export type BundlePlatform = (typeof BUNDLE_PLATFORMS)[number];

/**
 * Widest help text, in columns: commander wraps help to the terminal's width up to this (and to
 * this when the output is not a terminal), so the build can print the same top-level `--help`
 * the bin shim shows without loading the CLI (scripts/build.mjs writes it to dist/start.json).
 */
export const HELP_WIDTH = 80;
