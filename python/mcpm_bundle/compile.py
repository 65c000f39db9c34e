"""Bytecode for one share of a staged bundle (``mcp-monorepo bundle``).

Usage: python -S -B compile.py ROOT INDEX PARTS

Lists every ``.py`` file under ROOT in a fixed order (folders and files sorted by name,
``__pycache__`` skipped), takes every PARTS-th file starting at INDEX, and compiles each with
``py_compile`` into its ``__pycache__/NAME.cpython-XY.pyc`` as an unchecked hash-based pyc
(PEP 552), recording the path relative to ROOT. Each share runs in a fresh interpreter: marshal
writes an object as a back-reference depending on its reference count, which depends on what the
process compiled before, so a share's bytes depend only on its own (fixed) list of files. A file
that does not compile (a template or data file named ``.py``) gets no pyc.
"""

from __future__ import annotations

import os
import py_compile
import sys


def main() -> None:
    root, index, parts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        files.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    for path in files[index::parts]:
        try:
            py_compile.compile(path, dfile=os.path.relpath(path, root), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeDecodeError, OSError):
            pass


if __name__ == "__main__":
    main()
