"""Load gate of ``mcp-monorepo bundle``: imports a server from a staged bundle and lists its tools.

Run by the bundle's own Python with ``-I -S -B`` (isolated: no PYTHONPATH, no user or system
site-packages, no bytecode written), so every import resolves from the bundle alone, in the
order a runtime gives it: the entry file's folder (``uvicorn --app-dir``, or the script's
folder for ``python src/server.py``), then ``PYTHONPATH=<bundle>:<bundle>/deps``.

Usage: python -I -S -B gate.py BUNDLE APP_DIR MODULE OBJECT [ZIP]

With ZIP (the bundle's archive, written in staging but not yet in place), a module whose source is
under BUNDLE is loaded from the archive's ``__pycache__`` bytecode for this interpreter when it
has one (an unchecked hash-based pyc, loaded as the runtime will load it from the extracted
bundle, without reading the source), instead of being compiled from source at each import.

The last line of stdout is ``MCPM-GATE {json}``: ``{"ok": true, "tools": [...], "asgi": bool}``
or ``{"ok": false, "stage": ..., "type": ..., "message": ..., "name": ...}``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import traceback


def _report(data: dict) -> None:
    sys.stdout.flush()
    sys.stdout.write("\nMCPM-GATE " + json.dumps(data) + "\n")
    sys.stdout.flush()


def _fail(stage: str, exc: BaseException) -> None:
    lines = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    _report({"ok": False, "stage": stage, "type": type(exc).__name__, "message": lines[-1] if lines else type(exc).__name__, "name": getattr(exc, "name", None)})
    os._exit(0)


def _bytecode_from(archive: str, root: str) -> None:
    """Makes source imports under ``root`` use the bytecode in ``archive`` (see the module doc)."""
    import _imp
    import marshal
    import zipfile
    from importlib import machinery
    from importlib.util import MAGIC_NUMBER

    zf = zipfile.ZipFile(archive)
    names = set(zf.namelist())
    tag = sys.implementation.cache_tag
    base = os.path.abspath(root) + os.sep
    original = machinery.SourceFileLoader.get_code

    def get_code(self, fullname):  # type: ignore[no-untyped-def]
        source = self.get_filename(fullname)
        if source.startswith(base) and source.endswith(".py"):
            head, _, tail = source[len(base):].replace(os.sep, "/").rpartition("/")
            name = (head + "/" if head else "") + "__pycache__/" + tail[:-3] + "." + tag + ".pyc"
            if name in names:
                data = zf.read(name)
                # Magic number of this interpreter; flags 0b01: hash-based, source not checked.
                if data[:4] == MAGIC_NUMBER and int.from_bytes(data[4:8], "little") == 1:
                    code = marshal.loads(memoryview(data)[16:])
                    _imp._fix_co_filename(code, source)
                    return code
        return original(self, fullname)

    machinery.SourceFileLoader.get_code = get_code  # type: ignore[method-assign]


def main() -> None:
    root, app_dir, module, obj = sys.argv[1:5]
    if len(sys.argv) > 5:
        _bytecode_from(sys.argv[5], root)
    first = root if app_dir == "." else os.path.join(root, app_dir)
    sys.path[:0] = [first, root, os.path.join(root, "deps")]
    stage = "guard"
    try:
        if os.path.exists(os.path.join(root, "sitecustomize.py")):
            importlib.import_module("sitecustomize")
        stage = "import"
        mod = importlib.import_module(module)
        stage = "object"
        server = getattr(mod, obj)
        stage = "tools"
        lister = getattr(server, "list_tools", None) or getattr(server, "get_tools")
        tools = asyncio.run(lister())
        names = sorted(t if isinstance(t, str) else getattr(t, "name", str(t)) for t in tools)
        stage = "asgi"
        has_asgi = os.path.exists(os.path.join(first, "asgi.py"))
        if has_asgi:
            getattr(importlib.import_module("asgi"), "app")
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a settings check is a failure too
        _fail(stage, exc)
    _report({"ok": True, "tools": names, "asgi": has_asgi})
    os._exit(0)


if __name__ == "__main__":
    main()
