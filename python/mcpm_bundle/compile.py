"""Bytecode for one unit of a staged bundle (``mcp-monorepo bundle``).

Usage: python -S -B compile.py ROOT < FILES.json
       python -S -B compile.py --identity

FILES.json is a JSON list of ``.py`` paths relative to ROOT (``/``-separated): one unit, the
server's own files or one top-level package or module of ``deps/``. Each file is compiled, in
the order given, with ``py_compile`` into its ``__pycache__/NAME.TAG.pyc`` as an unchecked
hash-based pyc (PEP 552), recording the path relative to ROOT. Each unit runs in a fresh
interpreter: marshal writes an object as a back-reference depending on its reference count,
which depends on what the process compiled before, so a unit's bytes depend only on its own list
of files, and its bytecode can be cached and reused by a later build. A file that does not
compile (a template or data file named ``.py``) gets no pyc.

``--identity`` prints what the bytes depend on besides the sources: the implementation's cache
tag, the bytecode magic number and the full version string.
"""

from __future__ import annotations

import json
import os
import py_compile
import sys


def main() -> None:
    if sys.argv[1:] == ["--identity"]:
        from importlib.util import MAGIC_NUMBER

        print(sys.implementation.cache_tag)
        print(MAGIC_NUMBER.hex())
        print(sys.version.replace("\n", " "))
        return
    root = sys.argv[1]
    for rel in json.load(sys.stdin):
        try:
            py_compile.compile(os.path.join(root, *rel.split("/")), dfile=rel, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeDecodeError, OSError):
            pass


if __name__ == "__main__":
    main()
