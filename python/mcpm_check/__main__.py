"""Analyzer behind ``create-mcp-monorepo check``: reads a JSON request on stdin, writes JSON facts on stdout.

Run as ``python -E -B path/to/python/mcpm_check`` (this folder is then first on ``sys.path``).

Request::

    {"files": [{"id": str, "path": str, "module": "shared.config", "isPackage": bool}],
     "specs": [{"id": str, "raw": str, "kind": "pep440" | "request"}],
     "pyprojects": [{"id": str, "path": str}],
     "runtimes": ["3.12.12", "3.13"],
     "importNames": ["yaml", ...]}   # looked up in addition to every third-party import found

Response::

    {"python": {"version": "3.12.3", "executable": str},
     "stdlib": [module names], "files": {id: facts}, "specs": {id: result},
     "pyprojects": {id: result}, "distributions": {import name: [distribution names]}}

Exit status is 0 whenever a response was written; anything else is a crash.
"""

# This file stays parsable by any Python (no f-strings, no annotations), so an interpreter that is
# too old gets a clear message (exit 3) instead of a SyntaxError.
import sys

if sys.version_info < (3, 10):  # sys.stdlib_module_names and the ast features used need 3.10
    sys.stderr.write("check needs Python 3.10 or newer to analyze server code; this is %s\n" % sys.version.split()[0])
    sys.exit(3)

import mcpm_run  # noqa: E402

sys.exit(mcpm_run.main())
