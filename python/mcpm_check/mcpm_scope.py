"""Scopes for ``check``'s analyzer: where a statement runs and which guards are in force.

``module`` runs at import, ``main`` is the ``if __name__ == "__main__":`` block (never run by
``fastmcp run`` or FastMCP Cloud: https://gofastmcp.com/cli/running), ``class`` is a class body (runs at import),
``function`` a function body (runs when called).
"""

from __future__ import annotations

import ast
from typing import Any

def is_main_guard(test: ast.expr) -> bool:
    """True for ``__name__ == "__main__"`` (either order)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names) and bool(consts)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def handler_names(handler: ast.ExceptHandler) -> set[str]:
    """Exception class names an ``except`` clause catches (a bare ``except`` catches everything)."""
    if handler.type is None:
        return {"BaseException"}
    nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    out = set()
    for n in nodes:
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
    return out


def assigned_globals(fn: ast.AST) -> list[str]:
    """Names a function declares ``global`` and assigns (``global mcp; mcp = FastMCP()``)."""
    declared = {n for g in ast.walk(fn) if isinstance(g, ast.Global) for n in g.names}
    assigned = set()
    for node in ast.walk(fn):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id in declared:
                assigned.add(t.id)
    return sorted(assigned)


class Ctx:
    """Where the walker is: scope kind, owning function/class, guards in force."""

    def __init__(self, scope: str = "module", func: str | None = None, is_async: bool = False,
                 cls: str | None = None, catches: frozenset[str] = frozenset(), env_checks: frozenset[str] = frozenset(),
                 type_checking: bool = False, outer: str | None = None) -> None:
        self.scope = scope
        self.outer = outer
        self.func = func
        self.is_async = is_async
        self.cls = cls
        self.catches = catches
        self.env_checks = env_checks
        self.type_checking = type_checking

    def but(self, **kw: Any) -> "Ctx":
        c = Ctx(self.scope, self.func, self.is_async, self.cls, self.catches, self.env_checks, self.type_checking, self.outer)
        for k, v in kw.items():
            setattr(c, k, v)
        return c

    @property
    def import_time(self) -> bool:
        return self.scope in ("module", "class")
