"""Bytecode for one unit of a staged bundle (``mcp-monorepo bundle``).

Usage: python -S -B compile.py ROOT UNIT
       python -S -B compile.py --identity

UNIT is ``.`` (every ``.py`` under ROOT outside ``deps/``: the server's own files) or a path
relative to ROOT under ``deps/`` (one top-level package folder or module of the dependencies).
The unit's ``.py`` files are listed in a fixed order (folders and files sorted by name,
``__pycache__`` skipped) and each is compiled with ``py_compile`` into its
``__pycache__/NAME.TAG.pyc`` as an unchecked hash-based pyc (PEP 552), recording the path
relative to ROOT. Each unit runs in a fresh interpreter: marshal writes an object as a
back-reference depending on its reference count, which depends on what the process compiled
before, so a unit's bytes depend only on its own files, and a unit's bytecode can be cached and
reused by a later build. A file that does not compile (a template or data file named ``.py``)
gets no pyc.

``--identity`` prints what the bytes depend on besides the sources: the implementation's cache
tag, the bytecode magic number and the full version string.
"""

from __future__ import annotations

import os
import py_compile
import sys


def unit_files(root: str, unit: str) -> list[str]:
    start = os.path.join(root, unit)
    if os.path.isfile(start):
        return [start] if start.endswith(".py") else []
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(start):
        skip = {"__pycache__"} | ({"deps"} if unit == "." and dirpath == start else set())
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        files.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return files


def main() -> None:
    if sys.argv[1:] == ["--identity"]:
        from importlib.util import MAGIC_NUMBER

        print(sys.implementation.cache_tag)
        print(MAGIC_NUMBER.hex())
        print(sys.version.replace("\n", " "))
        return
    root, unit = sys.argv[1], sys.argv[2]
    for path in unit_files(root, unit):
        try:
            py_compile.compile(path, dfile=os.path.relpath(path, root), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeDecodeError, OSError):
            pass


if __name__ == "__main__":
    main()
