"""Static evaluation of ``sys.path`` edits for ``check`` rule ``path-import``.

FastMCP's file loader (``FileSystemSource._import_module``) already puts the entry file's
folder on ``sys.path``, so ``sys.path.insert(0, str(Path(__file__).parent))`` only repeats it.
This module turns the argument of a ``sys.path`` edit into a location relative to the file
that makes it, so the TypeScript side can tell whether it stays inside the server folder.

Result shapes: ``{"kind": "file", "up": n, "parts": [...]}`` (``__file__`` with ``n``
``dirname`` steps, then ``parts`` joined; ``..`` parts are kept), ``{"kind": "literal",
"value": s}`` (a string constant: relative paths depend on the working directory) or
``{"kind": "unknown"}``.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

_IDENTITY_CALLS = {"str", "pathlib.Path", "Path", "os.path.abspath", "os.path.realpath", "os.path.normpath",
                   "os.fspath", "os.path.expanduser", "pathlib.PurePath"}
_IDENTITY_METHODS = {"resolve", "absolute", "expanduser"}

Qual = Callable[[ast.AST], "str | None"]


def evaluate(node: ast.expr | None, qual: Qual, names: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Location of a path expression (see the module docstring); ``names`` holds module-level path variables."""
    out = _eval(node, qual, names)
    return out if out is not None else {"kind": "unknown"}


def _eval(node: ast.expr | None, qual: Qual, names: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {"kind": "literal", "value": node.value}
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return {"kind": "file", "up": 0, "parts": []}
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        if node.attr == "parent":
            base = _eval(node.value, qual, names)
            return _up(base, 1)
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
            return _up(_eval(node.value.value, qual, names), node.slice.value + 1)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _join(_eval(node.left, qual, names), [node.right], qual, names)
    if isinstance(node, ast.Call):
        callee = qual(node.func) or ""
        if isinstance(node.func, ast.Attribute) and node.func.attr in _IDENTITY_METHODS and not node.args:
            return _eval(node.func.value, qual, names)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
            return _join(_eval(node.func.value, qual, names), node.args, qual, names)
        if callee == "os.path.dirname" and len(node.args) == 1:
            return _up(_eval(node.args[0], qual, names), 1)
        if callee == "os.path.join" and node.args:
            return _join(_eval(node.args[0], qual, names), node.args[1:], qual, names)
        if (callee in _IDENTITY_CALLS or callee.endswith(".Path")) and len(node.args) == 1:
            return _eval(node.args[0], qual, names)
    return None


def _up(base: dict[str, Any] | None, n: int) -> dict[str, Any] | None:
    if base is None or base["kind"] != "file":
        return None
    parts = list(base["parts"])
    up = base["up"]
    for _ in range(n):
        if parts and parts[-1] != "..":
            parts.pop()
        elif parts:
            parts.append("..")
        else:
            up += 1
    return {"kind": "file", "up": up, "parts": parts}


def _join(base: dict[str, Any] | None, rest: list[ast.expr], qual: Qual, names: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if base is None or base["kind"] != "file":
        return None
    parts = list(base["parts"])
    for r in rest:
        if not (isinstance(r, ast.Constant) and isinstance(r.value, str)):
            return None
        parts.extend(p for p in r.value.replace("\\", "/").split("/") if p and p != ".")
    return {"kind": "file", "up": base["up"], "parts": parts}
