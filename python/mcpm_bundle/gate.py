"""Load gate of ``mcp-monorepo bundle``: imports a server from a staged bundle and lists its tools.

Run by the bundle's own Python with ``-I -S -B`` (isolated: no PYTHONPATH, no user or system
site-packages, no bytecode written), so every import resolves from the bundle alone, in the
order a runtime gives it: the entry file's folder (``uvicorn --app-dir``, or the script's
folder for ``python src/server.py``), then ``PYTHONPATH=<bundle>:<bundle>/deps``.

Usage: python -I -S -B gate.py BUNDLE APP_DIR MODULE OBJECT

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


def main() -> None:
    root, app_dir, module, obj = sys.argv[1:5]
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
