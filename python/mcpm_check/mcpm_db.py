"""Database facts for ``check``: SQLAlchemy engines and database connections made at import,
directly or through a function or constructor called at import.

``create_engine(url)`` imports the URL's driver at once (``postgresql://`` without ``+driver``
is psycopg2 before SQLAlchemy 2.1, psycopg 3 from 2.1) but connects lazily; ``engine.connect()``,
``engine.begin()``, ``metadata.create_all(engine)``, ``metadata.reflect(bind=engine)`` and
``sqlalchemy.inspect(engine)`` open a connection. The TypeScript side (src/check/rules/database.ts)
resolves callees across the server's modules and judges the URLs.

A URL is described as (``Url``):
``{"kind": "literal", "scheme": "postgresql+psycopg2"}`` (``"scheme": null`` when the text has no ``://``),
``{"kind": "env", "env": "X", "default": Url | None}`` (``os.getenv("X", default)``; ``os.environ["X"]`` has
``"required": true``), ``{"kind": "param", "name": "url", "index": 0}`` (a parameter of the function),
``{"kind": "unknown", "text": "settings.DB_URL"}``.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

ENGINES = {"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlmodel.create_engine"}
# Methods of an Engine that open a connection (``execute`` is SQLAlchemy 1.x's implicit execution).
ENGINE_CONNECTS = {"connect", "begin", "raw_connection", "execute"}
METADATA_CONNECTS = {"create_all", "drop_all", "reflect"}
# PEP 249 ``connect()`` of network database drivers (kept in step with mcpm_calls.DB_CONNECTS).
DRIVER_CONNECTS = {"psycopg2.connect", "psycopg.connect", "pymysql.connect", "mysql.connector.connect", "pymssql.connect",
                   "pyodbc.connect", "oracledb.connect", "cx_Oracle.connect", "snowflake.connector.connect", "MySQLdb.connect"}
_GETTERS = ("os.getenv", "os.environ.get")
_MAX_DEPTH = 4


class _Scope:
    """Names visible while walking one body: ``name``/``self.attr`` → the expression last assigned."""

    def __init__(self, outer: "_Scope | None" = None, params: list[str] | None = None) -> None:
        self.outer = outer
        self.values: dict[str, ast.expr] = {}
        self.params = params or []
        # A class's scope: ``self.x`` values, whose expressions may name the parameters of ``__init__``.
        self.init_params: list[str] = []

    def lookup(self, key: str) -> tuple[ast.expr | None, "_Scope | None"]:
        s: _Scope | None = self
        while s is not None:
            if key in s.values:
                return s.values[key], s
            if key in s.params:
                return None, s
            s = s.outer
        return None, None


def _key(node: ast.expr) -> str | None:
    """``x`` or ``self.x`` (the assignable names the walker tracks)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
        return f"self.{node.attr}"
    return None


class DbFacts:
    def __init__(self, tree: ast.Module, qual: Callable[[ast.AST], str | None]) -> None:
        self.qual = qual
        self.facts: dict[str, Any] = {"events": [], "importCalls": [], "callables": {}}
        self.module_scope = _Scope()
        self.class_attrs: dict[str, _Scope] = {}
        self._collect_class_attrs(tree)
        self._walk(tree.body, self.module_scope, self.facts["events"], self.facts["importCalls"], cls=None, caught=False, cond=False, top=True)
        # Module-level names bound to an engine (``engine = create_engine(URL)``), for other modules that import them.
        self.facts["engines"] = {}
        for name, value in self.module_scope.values.items():
            url = self._engine_of(value, self.module_scope) if "." not in name else None
            if url is not None:
                self.facts["engines"][name] = url
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._callable(node.name, node, None)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self._callable(f"{node.name}.{item.name}", item, node.name)

    # ---- classes: ``self.x = …`` assigned in any method --------------------------------------------
    def _collect_class_attrs(self, tree: ast.Module) -> None:
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            scope = _Scope(self.module_scope)
            init = next((i for i in node.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None)
            if init is not None:
                scope.init_params = [a.arg for a in init.args.posonlyargs + init.args.args][1:] + [a.arg for a in init.args.kwonlyargs]
            for item in node.body:
                if isinstance(item, (ast.Assign, ast.AnnAssign)) and item.value is not None:
                    for t in item.targets if isinstance(item, ast.Assign) else [item.target]:
                        if isinstance(t, ast.Name):
                            scope.values[f"self.{t.id}"] = item.value
            for item in ast.walk(node):
                if isinstance(item, (ast.Assign, ast.AnnAssign)) and item.value is not None:
                    for t in item.targets if isinstance(item, ast.Assign) else [item.target]:
                        k = _key(t)
                        if k and k.startswith("self.") and isinstance(item.value, ast.Call) and self.qual(item.value.func) in ENGINES:
                            scope.values[k] = item.value  # engines win over other assignments of the attribute
                        elif k and k.startswith("self.") and k not in scope.values:
                            scope.values[k] = item.value
            self.class_attrs[node.name] = scope

    def _callable(self, name: str, fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None) -> None:
        args = fn.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        if cls is not None and positional and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list):
            positional = positional[1:]  # self / cls
        params = positional + [a.arg for a in args.kwonlyargs]
        outer = self.class_attrs.get(cls) if cls else self.module_scope
        scope = _Scope(outer, params)
        defaults: dict[str, Any] = {}
        pos_defaults = list(zip(positional[len(positional) - len(args.defaults):], args.defaults)) if args.defaults else []
        kw_defaults = [(a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
        for pname, d in pos_defaults + kw_defaults:
            defaults[pname] = self.url(d, self.module_scope)
        events: list[dict[str, Any]] = []
        calls: list[dict[str, Any]] = []
        self._walk(fn.body, scope, events, calls, cls=cls, caught=False, cond=False, top=False)
        if events or calls:
            self.facts["callables"][name] = {"line": fn.lineno, "params": params, "defaults": defaults, "events": events, "calls": calls,
                                             "async": isinstance(fn, ast.AsyncFunctionDef)}

    # ---- statements --------------------------------------------------------------------------------
    def _walk(self, body: list[ast.stmt], scope: _Scope, events: list, calls: list, cls: str | None, caught: bool, cond: bool, top: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not isinstance(stmt, ast.ClassDef):
                    for d in stmt.decorator_list + stmt.args.defaults:
                        self._exprs(d, scope, events, calls, cls, caught, cond)
                continue
            if isinstance(stmt, ast.If):
                if top and _is_main_guard(stmt.test):
                    continue
                self._exprs(stmt.test, scope, events, calls, cls, caught, cond)
                self._walk(stmt.body, scope, events, calls, cls, caught, True, top)
                self._walk(stmt.orelse, scope, events, calls, cls, caught, True, top)
                continue
            if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                self._walk(stmt.body, scope, events, calls, cls, caught or bool(stmt.handlers), cond, top)
                for h in stmt.handlers:
                    self._walk(h.body, scope, events, calls, cls, caught, True, top)
                self._walk(stmt.orelse, scope, events, calls, cls, caught, cond, top)
                self._walk(stmt.finalbody, scope, events, calls, cls, caught, cond, top)
                continue
            if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                self._exprs(stmt.iter if not isinstance(stmt, ast.While) else stmt.test, scope, events, calls, cls, caught, cond)
                self._walk(stmt.body + stmt.orelse, scope, events, calls, cls, caught, True, top)
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    self._exprs(item.context_expr, scope, events, calls, cls, caught, cond)
                self._walk(stmt.body, scope, events, calls, cls, caught, cond, top)
                continue
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                self._exprs(stmt.value, scope, events, calls, cls, caught, cond)
                for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    k = _key(t)
                    if k:
                        scope.values[k] = stmt.value
                continue
            if isinstance(stmt, (ast.Expr, ast.Return, ast.AugAssign)) and stmt.value is not None:
                self._exprs(stmt.value, scope, events, calls, cls, caught, cond)

    def _exprs(self, node: ast.expr, scope: _Scope, events: list, calls: list, cls: str | None, caught: bool, cond: bool) -> None:
        """Every call in an expression, outside lambdas and comprehensions' deferred parts."""
        stack: list[ast.AST] = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Lambda):
                continue
            if isinstance(n, ast.Call):
                self._call(n, scope, events, calls, cls, caught, cond)
            stack.extend(ast.iter_child_nodes(n))

    def _call(self, node: ast.Call, scope: _Scope, events: list, calls: list, cls: str | None, caught: bool, cond: bool) -> None:
        callee = self.qual(node.func)
        base = {"line": node.lineno, "caught": caught, "conditional": cond}
        if callee in ENGINES:
            events.append({**base, "kind": "engine", "callee": callee, "url": self._engine_url(node, scope)})
            return
        if callee in DRIVER_CONNECTS:
            events.append({**base, "kind": "connect", "callee": callee, "url": {"kind": "driver", "driver": callee.split(".")[0]}})
            return
        if isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr in ENGINE_CONNECTS:
                url = self._engine_of(node.func.value, scope)
                if url is not None:
                    events.append({**base, "kind": "connect", "callee": f"{ast.unparse(node.func.value)}.{attr}", "url": url})
                    return
            if attr in METADATA_CONNECTS and ast.unparse(node.func.value).split(".")[-1].lower().endswith("metadata"):
                bind = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "bind"), None)
                url = self._engine_of(bind, scope) if bind is not None else None
                events.append({**base, "kind": "connect", "callee": f"{ast.unparse(node.func.value)}.{attr}",
                               "url": url or {"kind": "unknown", "text": ast.unparse(bind) if bind is not None else ""}})
                return
        if callee in ("sqlalchemy.inspect",) and node.args:
            url = self._engine_of(node.args[0], scope)
            if url is not None:
                events.append({**base, "kind": "connect", "callee": callee, "url": url})
                return
        # A call the TypeScript side may follow into the server's own code.
        target: dict[str, Any] | None = None
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id in ("self", "cls") and cls:
            target = {"self": f"{cls}.{node.func.attr}"}
        elif callee and not callee.startswith(("self.", "cls.", "os.", "sys.", "logging.", "fastmcp.", "typing.", "pathlib.", "json.")):
            target = {"callee": callee}
        if target is not None:
            calls.append({**base, **target, "args": [self.url(a, scope) for a in node.args if not isinstance(a, ast.Starred)],
                          "kwargs": {k.arg: self.url(k.value, scope) for k in node.keywords if k.arg}})

    # ---- URLs and engines --------------------------------------------------------------------------
    def _engine_url(self, call: ast.Call, scope: _Scope) -> dict[str, Any]:
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "url"), None)
        return self.url(arg, scope) if arg is not None else {"kind": "unknown", "text": ""}

    def _engine_of(self, node: ast.expr | None, scope: _Scope, depth: int = 0) -> dict[str, Any] | None:
        """The URL of the engine an expression is (a ``create_engine`` call or a name bound to one), else None."""
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Call) and self.qual(node.func) in ENGINES:
            return self._engine_url(node, scope)
        k = _key(node)
        if k:
            value, where = scope.lookup(k)
            if value is not None and where is not None:
                return self._engine_of(value, where, depth + 1)
            q = self.qual(node)
            if where is None and q and "." in q and isinstance(node, (ast.Name, ast.Attribute)):
                return {"kind": "ref", "ref": q}  # an engine imported from another module: resolved across modules
        return None

    def url(self, node: ast.expr | None, scope: _Scope, depth: int = 0) -> dict[str, Any]:
        if node is None or depth > _MAX_DEPTH:
            return {"kind": "unknown", "text": ""}
        if _is_none(node):
            return {"kind": "none"}
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {"kind": "literal", "scheme": _scheme(node.value)}
        if isinstance(node, ast.JoinedStr):
            head = "".join(v.value for v in node.values[:1] if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if "://" in head:
                return {"kind": "literal", "scheme": _scheme(head)}
            return {"kind": "unknown", "text": ast.unparse(node)}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.url(node.left, scope, depth + 1)
            return left if left["kind"] == "literal" and left["scheme"] else {"kind": "unknown", "text": ast.unparse(node)}
        if isinstance(node, ast.Call) and self.qual(node.func) in _GETTERS and node.args:
            name = node.args[0].value if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) else None
            d = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "default"), None)
            if name is None:
                return {"kind": "unknown", "text": ast.unparse(node)}
            return {"kind": "env", "env": name, "default": self.url(d, scope, depth + 1) if d is not None and not _is_none(d) else None}
        if isinstance(node, ast.Subscript) and self.qual(node.value) == "os.environ":
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return {"kind": "env", "env": key.value, "default": None, "required": True}
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
            first = self.url(node.values[0], scope, depth + 1)
            if first["kind"] == "env" and first["default"] is None and not first.get("required"):
                return {**first, "default": self.url(node.values[1], scope, depth + 1)}
            if first["kind"] == "param":  # ``url or os.getenv(...)``: the fallback when the caller passes nothing
                return {**first, "fallback": self.url(node.values[1], scope, depth + 1)}
            return {"kind": "unknown", "text": ast.unparse(node)}
        k = _key(node)
        if k:
            value, where = scope.lookup(k)
            if value is not None and where is not None:
                return self.url(value, where, depth + 1)
            if where is not None and k in where.params:
                return {"kind": "param", "name": k, "index": where.params.index(k)}
            if k in scope.init_params:
                return {"kind": "param", "name": k, "index": scope.init_params.index(k), "init": True}
        return {"kind": "unknown", "text": ast.unparse(node)}


def _scheme(text: str) -> str | None:
    head, sep, _ = text.strip().partition("://")
    return head.lower() if sep and head and all(c.isalnum() or c in "+-_." for c in head) else None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_main_guard(test: ast.expr) -> bool:
    from mcpm_scope import is_main_guard
    return is_main_guard(test)


def collect(tree: ast.Module, qual: Callable[[ast.AST], str | None]) -> dict[str, Any]:
    return DbFacts(tree, qual).facts
