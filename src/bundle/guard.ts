import type { BundlePlatform } from "./platforms.js";

/**
 * The start-up guard of a vendored bundle: `sitecustomize.py` at the bundle's root.
 *
 * Python's `site` module imports `sitecustomize` at start-up from `sys.path`
 * (https://docs.python.org/3/library/site.html), and a runtime starts a bundle with
 * `PYTHONPATH=<bundle>:<bundle>/deps`, so this file runs before uvicorn, the server or anything
 * in `deps/` is imported, whichever way the bundle is started (`python -m uvicorn asgi:app`,
 * `python src/server.py`). The compiled wheels in `deps/` (pydantic-core and the like) are built
 * for one CPython minor version and one platform; started on another, the server dies deep in an
 * import (`cannot import name 'ArgsKwargs' ... (unknown location)`). The guard names the mismatch
 * in one line on stderr and exits 1 at once.
 */

/** File name of the guard at the bundle's root. */
export const GUARD_FILE = "sitecustomize.py";

/** Python source of the guard for a bundle built for `python` (e.g. `3.12`) on `platform`. */
export function guardSource(python: string, platform: BundlePlatform): string {
  return `"""Start-up guard of this MCPB bundle (written by create-mcp-monorepo bundle).

Python imports \`\`sitecustomize\`\` at start-up (https://docs.python.org/3/library/site.html); with
\`\`PYTHONPATH=<bundle>:<bundle>/deps\`\` this file runs before anything is imported from deps/.
The compiled packages in deps/ were installed for CPython ${python} on ${platform}: on another
Python or platform this names the mismatch in one line and exits at once.
"""

import sys
import sysconfig

BUILT_FOR = (${JSON.stringify(python)}, ${JSON.stringify(platform)})
_NAMES = {"linux-x86_64": "linux-x86_64", "linux-aarch64": "linux-arm64", "win-amd64": "windows-x86_64"}


def _platform():
    p = sysconfig.get_platform()
    if p.startswith("macosx-"):
        import platform

        arch = platform.machine()
        return "macos-" + ("arm64" if arch == "arm64" else "x86_64" if arch == "x86_64" else arch)
    return _NAMES.get(p, p)


def _check():
    got = ("%d.%d" % sys.version_info[:2], _platform())
    impl = sys.implementation.name
    if got == BUILT_FOR and impl == "cpython":
        return
    sys.stderr.write(
        "error: this bundle is for CPython %s on %s, but it was started with %s %s on %s; start it with Python %s on %s, or build a bundle for this one\\n"
        % (BUILT_FOR[0], BUILT_FOR[1], "CPython" if impl == "cpython" else impl, got[0], got[1], BUILT_FOR[0], BUILT_FOR[1])
    )
    sys.stderr.flush()
    import os

    os._exit(1)


_check()
`;
}
