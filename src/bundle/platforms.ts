import { BUNDLE_PLATFORMS, type BundlePlatform } from "../kernel/defaults.js";

/**
 * Platforms a bundle can be built for: compiled wheels such as pydantic-core make a
 * bundle platform-specific, so the platform is part of the file name and of the manifest's
 * `compatibility`.
 *
 * Sources: pip's `--platform` tags (PEP 600 manylinux, PEP 425 macOS/Windows tags; pip expands
 * `macosx_*` and `manylinux2014_*` to every older compatible tag itself, but not `manylinux_2_X`,
 * so those are listed); MCPB manifest 0.3 `compatibility.platforms` (`darwin`, `win32`, `linux`).
 */

// The ids live in src/kernel/defaults.ts (import-free: `bundle --platform`'s choices at start-up).
export { BUNDLE_PLATFORMS, type BundlePlatform } from "../kernel/defaults.js";

/** What a platform means to pip and to an MCPB host. */
export interface PlatformSpec {
  /** pip `--platform` tags, most specific first (each passed as its own `--platform`). */
  pipTags: string[];
  /** MCPB `compatibility.platforms` value (Node's `process.platform`). */
  mcpb: "linux" | "darwin" | "win32";
  /** Separator of `PYTHONPATH` entries on that platform. */
  pathListSeparator: ":" | ";";
}

/** manylinux_2_28 down to manylinux_2_17 (glibc 2.17+: RHEL 7+, Debian 9+; python:*-slim has 2.36). */
function manylinux(arch: string): string[] {
  const tags: string[] = [];
  for (let minor = 28; minor >= 17; minor--) tags.push(`manylinux_2_${minor}_${arch}`);
  return [...tags, `manylinux2014_${arch}`];
}

/** pip tags and MCPB names per platform. */
export const PLATFORM_SPECS: Readonly<Record<BundlePlatform, PlatformSpec>> = {
  "linux-x86_64": { pipTags: manylinux("x86_64"), mcpb: "linux", pathListSeparator: ":" },
  "linux-arm64": { pipTags: manylinux("aarch64"), mcpb: "linux", pathListSeparator: ":" },
  "macos-arm64": { pipTags: ["macosx_11_0_arm64"], mcpb: "darwin", pathListSeparator: ":" },
  "macos-x86_64": { pipTags: ["macosx_11_0_x86_64"], mcpb: "darwin", pathListSeparator: ":" },
  "windows-x86_64": { pipTags: ["win_amd64"], mcpb: "win32", pathListSeparator: ";" },
};

/**
 * The platform of the machine this runs on (the `--platform` default).
 *
 * @param platform - `process.platform`; arch - `process.arch` (injectable for tests).
 * @returns the id, or null for a machine no platform describes (e.g. Windows on ARM, FreeBSD).
 */
export function hostPlatform(platform: string = process.platform, arch: string = process.arch): BundlePlatform | null {
  const key = `${platform}-${arch}`;
  const map: Record<string, BundlePlatform> = {
    "linux-x64": "linux-x86_64",
    "linux-arm64": "linux-arm64",
    "darwin-arm64": "macos-arm64",
    "darwin-x64": "macos-x86_64",
    "win32-x64": "windows-x86_64",
  };
  return map[key] ?? null;
}

/** Type guard for {@link BundlePlatform}. */
export function isBundlePlatform(value: string): value is BundlePlatform {
  return (BUNDLE_PLATFORMS as readonly string[]).includes(value);
}
