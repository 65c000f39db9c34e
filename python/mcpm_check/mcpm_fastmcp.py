"""FastMCP 3 API calls that FastMCP 4 removed, found with Python's ``ast`` (rule ``fastmcp-v4-api``).

Source: "Upgrading from FastMCP 3", Removed Server Methods
(https://gofastmcp.com/getting-started/upgrading/from-fastmcp-3), checked against FastMCP 4.2.3:

- ``mcp.import_server(sub)`` → ``AttributeError: 'FastMCP' object has no attribute 'import_server'``
- ``FastMCP.as_proxy(x)`` → ``AttributeError: type object 'FastMCP' has no attribute 'as_proxy'``
- ``mcp.mount(sub, prefix=...)`` / ``as_proxy=...`` → ``TypeError: FastMCP.mount() got an unexpected keyword argument``

Only ``fastmcp``'s own ``FastMCP`` counts (``mcp.server.fastmcp.FastMCP``, the MCP SDK 1.x class, is
another API). ``mount`` is an everyday name (``requests.Session.mount(prefix, adapter)``,
Starlette's ``app.mount``), so a ``mount`` call is considered only on a known FastMCP server: a name
bound to ``FastMCP(...)`` (or ``create_proxy``/``from_openapi``/...) or annotated ``FastMCP``, or
when its first argument is one.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

FASTMCP_CLASSES = frozenset({"fastmcp.FastMCP", "fastmcp.server.FastMCP", "fastmcp.server.server.FastMCP"})
_FACTORY_METHODS = ("from_openapi", "from_fastapi", "as_proxy")
_CREATE_PROXY = frozenset({"fastmcp.server.create_proxy", "fastmcp.server.server.create_proxy"})

Qual = Callable[[ast.AST], "str | None"]


def _makes_server(callee: str | None) -> bool:
    if not callee:
        return False
    if callee in FASTMCP_CLASSES or callee in _CREATE_PROXY:
        return True
    base, _, method = callee.rpartition(".")
    return base in FASTMCP_CLASSES and method in _FACTORY_METHODS


def _annotates_server(ann: ast.expr | None, qual: Qual) -> bool:
    """``FastMCP``, ``fastmcp.FastMCP``, ``FastMCP[Any]``, ``"FastMCP"``, ``FastMCP | None``."""
    if ann is None:
        return False
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        try:
            ann = ast.parse(ann.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(ann, ast.Subscript):
        return _annotates_server(ann.value, qual)
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        return _annotates_server(ann.left, qual) or _annotates_server(ann.right, qual)
    return qual(ann) in FASTMCP_CLASSES


def known_servers(tree: ast.Module, qual: Qual) -> set[str]:
    """Expressions (as ``ast.unparse`` text: ``mcp``, ``self.server``) that hold a FastMCP server anywhere in the file."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if isinstance(value, ast.Await):
                value = value.value
            makes = isinstance(value, ast.Call) and _makes_server(qual(value.func))
            typed = isinstance(node, ast.AnnAssign) and _annotates_server(node.annotation, qual)
            if makes or typed:
                out.update(ast.unparse(t) for t in targets if isinstance(t, (ast.Name, ast.Attribute)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for a in args.posonlyargs + args.args + args.kwonlyargs:
                if _annotates_server(a.annotation, qual):
                    out.add(a.arg)
    return out


def _arg(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(node.args) > index and not any(isinstance(a, ast.Starred) for a in node.args[: index + 1]):
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg == keyword), None)


def _text(node: ast.expr | None) -> str | None:
    return ast.unparse(node) if node is not None else None


def removed_call(node: ast.Call, qual: Qual, servers: set[str], imports_fastmcp: bool, awaited: bool) -> dict[str, Any] | None:
    """The fact for a call of a FastMCP 3 API that FastMCP 4 removed, or None."""
    func = node.func
    callee = qual(func)
    receiver = _text(func.value) if isinstance(func, ast.Attribute) else None
    on_server = receiver in servers
    if isinstance(func, ast.Attribute) and func.attr == "import_server" and (on_server or imports_fastmcp):
        return {"kind": "import_server", "line": node.lineno, "receiver": receiver,
                "server": _text(_arg(node, 0, "server")), "prefix": _text(_arg(node, 1, "prefix")), "awaited": awaited}
    if isinstance(func, ast.Attribute) and func.attr == "as_proxy" and (
        (callee and callee.rpartition(".")[0] in FASTMCP_CLASSES) or on_server
    ):
        backend_kw = any(k.arg == "backend" for k in node.keywords)
        settings = [k.arg for k in node.keywords if k.arg and k.arg != "backend"]
        return {"kind": "as_proxy", "line": node.lineno, "receiver": receiver, "target": _text(_arg(node, 0, "backend")),
                "backendKeyword": backend_kw, "settings": settings}
    if isinstance(func, ast.Attribute) and func.attr == "mount":
        child = _arg(node, 0, "server")
        if not (on_server or _text(child) in servers):
            return None
        removed = [k.arg for k in node.keywords if k.arg in ("prefix", "as_proxy")]
        if not removed:
            return None
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        return {"kind": "mount", "line": node.lineno, "receiver": receiver, "server": _text(child), "keywords": removed,
                "prefix": _text(kw.get("prefix")), "namespace": _text(_arg(node, 1, "namespace")), "asProxy": _text(kw.get("as_proxy"))}
    return None
