"""Facts about one Python file, read with Python's own ``ast`` (no regular expressions).

Used by ``create-mcp-monorepo check`` (src/check/). Each fact carries a 1-based line
number; the TypeScript side turns facts into findings. The rules behind each fact come
from the FastMCP Cloud deployment learnings (seed 002) and CONTRACT.md.

Scopes: ``module`` (runs at import), ``main`` (inside ``if __name__ == "__main__":``,
never run by ``fastmcp run`` or FastMCP Cloud), ``class`` (a class body: runs at import),
``function`` (a function body: runs when called).
"""

from __future__ import annotations

import ast
from typing import Any

# Callables that construct a FastMCP server (qualified names after alias resolution).
_SERVER_CLASSES = ("FastMCP", "MCPServer")
_SERVER_FACTORIES = ("from_openapi", "from_fastapi", "as_proxy")

# Async clients that must not be created at import time (seed 002, "Global Client Issues").
ASYNC_CLIENTS = {
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "aiohttp.TCPConnector",
    "openai.AsyncOpenAI",
    "openai.AsyncAzureOpenAI",
    "anthropic.AsyncAnthropic",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "redis.asyncio.client.Redis",
    "motor.motor_asyncio.AsyncIOMotorClient",
    "sqlalchemy.ext.asyncio.create_async_engine",
    "elasticsearch.AsyncElasticsearch",
    "asyncpg.create_pool",
}

# Blocking calls that stall the event loop inside ``async def`` (seed 002, "Async/Sync Mixing").
_BLOCKING_MODULE_FUNCS = {
    "requests": {"get", "post", "put", "patch", "delete", "head", "options", "request", "Session"},
    "httpx": {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "Client"},
    "urllib.request": {"urlopen"},
    "time": {"sleep"},
}

_ENV_GETTERS = {"os.getenv": 1, "os.environ.get": 1, "os.environ.setdefault": 1}
_SYS_PATH_CALLS = {"sys.path.append", "sys.path.insert", "sys.path.extend", "site.addsitedir"}
_KEYERROR_CATCHERS = {"KeyError", "LookupError", "Exception", "BaseException"}
_IMPORTERROR_CATCHERS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _is_main_guard(test: ast.expr) -> bool:
    """True for ``__name__ == "__main__"`` (either order)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names) and bool(consts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _handler_names(handler: ast.ExceptHandler) -> set[str]:
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


def _assigned_globals(fn: ast.AST) -> list[str]:
    """Names a function declares ``global`` and assigns (``global mcp; mcp = FastMCP()``)."""
    declared = {n for g in ast.walk(fn) if isinstance(g, ast.Global) for n in g.names}
    assigned = set()
    for node in ast.walk(fn):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id in declared:
                assigned.add(t.id)
    return sorted(assigned)


class _Ctx:
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

    def but(self, **kw: Any) -> "_Ctx":
        c = _Ctx(self.scope, self.func, self.is_async, self.cls, self.catches, self.env_checks, self.type_checking, self.outer)
        for k, v in kw.items():
            setattr(c, k, v)
        return c

    @property
    def import_time(self) -> bool:
        return self.scope in ("module", "class")


class FileFacts:
    """Collects the facts of one module. ``module`` is its dotted name under ``src/`` (e.g. ``shared.config``)."""

    def __init__(self, tree: ast.Module, module: str, is_package: bool) -> None:
        self.module = module
        parts = module.split(".")
        self.package = parts if is_package else parts[:-1]
        self.aliases: dict[str, str] = {}
        self.facts: dict[str, Any] = {
            "imports": [], "bindings": [], "defs": [], "classes": [], "serverConstructions": [],
            "mainCalls": [], "moduleCalls": [], "envReads": [], "sysPath": [], "asyncClients": [], "blocking": [],
            "deprecated": [], "attrReads": [], "validateCalls": [], "reexports": {},
        }
        self._collect_aliases(tree)
        for stmt in tree.body:
            self._stmt(stmt, _Ctx())

    # ---- names -------------------------------------------------------------------------------
    def _resolve_relative(self, level: int, module: str | None) -> str | None:
        """Absolute module a (possibly relative) import names, or None when it climbs above the top-level package."""
        if level == 0:
            return module
        if level > len(self.package):
            return None
        base = self.package[: len(self.package) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    def _collect_aliases(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = self._resolve_relative(node.level, node.module)
                if base is None:
                    continue
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{base}.{a.name}"

    def qual(self, node: ast.AST) -> str | None:
        """Dotted qualified name of a Name/Attribute chain, imports resolved (``dt.datetime`` → ``datetime.datetime``)."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    # ---- statements --------------------------------------------------------------------------
    def _stmt(self, node: ast.stmt, ctx: _Ctx) -> None:
        f = self.facts
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                self._expr(d, ctx)
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self._expr(d, ctx)
            is_async = isinstance(node, ast.AsyncFunctionDef)
            if ctx.scope in ("module", "main"):
                f["defs"].append({"name": node.name, "line": node.lineno, "async": is_async, "scope": ctx.scope,
                                  "setsGlobals": _assigned_globals(node)})
                self._bind(node.name, node.lineno, {"kind": "async-def" if is_async else "def"}, ctx)
            if ctx.scope == "class":
                if node.name == "validate":
                    for c in f["classes"]:
                        if c["name"] == ctx.cls:
                            c["hasValidate"] = True
            inner = ctx.but(scope="function", func=node.name, outer=node.name if ctx.scope != "function" else ctx.outer,
                            is_async=is_async, catches=frozenset(), env_checks=frozenset())
            for s in node.body:
                self._stmt(s, inner)
            return
        if isinstance(node, ast.ClassDef):
            for d in node.decorator_list + node.bases:
                self._expr(d, ctx)
            if ctx.scope in ("module", "main"):
                f["classes"].append({"name": node.name, "line": node.lineno, "hasValidate": False, "scope": ctx.scope})
                self._bind(node.name, node.lineno, {"kind": "class"}, ctx)
            inner = ctx.but(scope="class" if ctx.import_time else ctx.scope, cls=node.name)
            for s in node.body:
                self._stmt(s, inner)
            return
        if isinstance(node, ast.If):
            if ctx.scope == "module" and _is_main_guard(node.test):
                for s in node.body:
                    self._stmt(s, ctx.but(scope="main"))
                for s in node.orelse:
                    self._stmt(s, ctx)
                return
            self._expr(node.test, ctx)
            checks = ctx.env_checks | self._env_membership(node.test)
            body_ctx = ctx.but(env_checks=checks, type_checking=ctx.type_checking or _is_type_checking(node.test))
            for s in node.body:
                self._stmt(s, body_ctx)
            for s in node.orelse:
                self._stmt(s, ctx)
            return
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            caught: set[str] = set()
            for h in node.handlers:
                caught |= _handler_names(h)
            for s in node.body:
                self._stmt(s, ctx.but(catches=ctx.catches | caught))
            for h in node.handlers:
                for s in h.body:
                    self._stmt(s, ctx)
            for s in node.orelse + node.finalbody:
                self._stmt(s, ctx)
            return
        if isinstance(node, ast.Import):
            for a in node.names:
                self._import(a.name.split(".")[0], a.name, 0, node.lineno, ctx)
                if ctx.scope in ("module", "main"):
                    local = a.asname or a.name.split(".")[0]
                    self._bind(local, node.lineno, {"kind": "import", "source": a.name if a.asname else local}, ctx)
            return
        if isinstance(node, ast.ImportFrom):
            base = self._resolve_relative(node.level, node.module)
            top = (node.module or "").split(".")[0] if node.level == 0 else None
            self._import(top, node.module or "", node.level, node.lineno, ctx)
            if ctx.scope in ("module", "main"):
                for a in node.names:
                    if a.name == "*":
                        continue
                    src = f"{base}.{a.name}" if base else None
                    self._bind(a.asname or a.name, node.lineno, {"kind": "import", "source": src}, ctx)
                    if src and ctx.scope == "module":
                        f["reexports"][a.asname or a.name] = src
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if value is not None:
                self._expr(value, ctx)
            for t in targets:
                self._target(t, value, node, ctx)
            return
        # Everything else: visit child statements with the same context and expressions.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self._stmt(child, ctx)
            elif isinstance(child, ast.expr):
                self._expr(child, ctx)
            elif isinstance(child, (ast.withitem,)):
                self._expr(child.context_expr, ctx)
                if child.optional_vars is not None and ctx.scope in ("module", "main"):
                    for n in ast.walk(child.optional_vars):
                        if isinstance(n, ast.Name):
                            self._bind(n.id, node.lineno, {"kind": "other"}, ctx)
            elif hasattr(ast, "match_case") and isinstance(child, ast.match_case):
                for s in child.body:
                    self._stmt(s, ctx)
        if isinstance(node, (ast.For, ast.AsyncFor)) and ctx.scope in ("module", "main"):
            for n in ast.walk(node.target):
                if isinstance(n, ast.Name):
                    self._bind(n.id, node.lineno, {"kind": "other"}, ctx)

    def _import(self, top: str | None, full: str, level: int, line: int, ctx: _Ctx) -> None:
        self.facts["imports"].append({
            "top": top, "module": full, "level": level, "line": line, "scope": ctx.scope,
            "guarded": bool(ctx.catches & _IMPORTERROR_CATCHERS), "typeChecking": ctx.type_checking,
            "packageDepth": len(self.package),
        })

    def _target(self, t: ast.expr, value: ast.expr | None, node: ast.stmt, ctx: _Ctx) -> None:
        f = self.facts
        q = self.qual(t.value) if isinstance(t, ast.Subscript) else self.qual(t)
        if q == "sys.path" or (isinstance(t, ast.Subscript) and self.qual(t.value) == "sys.path"):
            f["sysPath"].append({"line": node.lineno, "what": "sys.path assignment"})
        if isinstance(t, ast.Subscript) and self.qual(t.value) == "os.environ":
            key = t.slice
            if isinstance(key, ast.Constant) and key.value == "PYTHONPATH":
                f["sysPath"].append({"line": node.lineno, "what": "os.environ[\"PYTHONPATH\"] assignment"})
        if isinstance(t, ast.Name) and ctx.scope in ("module", "main"):
            self._bind(t.id, node.lineno, self._value_kind(value), ctx)
        elif isinstance(t, (ast.Tuple, ast.List)) and ctx.scope in ("module", "main"):
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    self._bind(n.id, node.lineno, {"kind": "other"}, ctx)
        elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and ctx.cls:
            kind = self._value_kind(value)
            if kind.get("server"):
                for c in f["serverConstructions"]:
                    if c["line"] == node.lineno and c.get("attr") is None:
                        c["attr"] = t.attr
        elif isinstance(t, ast.Subscript):
            self._expr(t, ctx)

    def _bind(self, name: str, line: int, kind: dict[str, Any], ctx: _Ctx) -> None:
        self.facts["bindings"].append({"name": name, "line": line, "scope": ctx.scope, **kind})

    def _value_kind(self, value: ast.expr | None) -> dict[str, Any]:
        """Classifies what a binding holds: a call (with callee), a reference, None, a lambda..."""
        if value is None:
            return {"kind": "annotation"}
        if isinstance(value, ast.Await):
            inner = self._value_kind(value.value)
            return {**inner, "kind": "await"}
        if isinstance(value, ast.Call):
            callee = self.qual(value.func)
            out: dict[str, Any] = {"kind": "call", "callee": callee, "server": self._is_server_ctor(callee)}
            if callee in ("asyncio.run", "anyio.run") and value.args:
                arg = value.args[0]
                if isinstance(arg, ast.Call):
                    out["inner"] = self.qual(arg.func)
                elif isinstance(arg, (ast.Name, ast.Attribute)):
                    out["inner"] = self.qual(arg)
            return out
        if isinstance(value, (ast.Name, ast.Attribute)):
            return {"kind": "ref", "ref": self.qual(value)}
        if isinstance(value, ast.Constant) and value.value is None:
            return {"kind": "none"}
        if isinstance(value, ast.Lambda):
            return {"kind": "lambda"}
        return {"kind": "other"}

    @staticmethod
    def _is_server_ctor(callee: str | None) -> bool:
        if not callee:
            return False
        parts = callee.split(".")
        if parts[-1] in _SERVER_CLASSES:
            return True
        return len(parts) >= 2 and parts[-2] in _SERVER_CLASSES and parts[-1] in _SERVER_FACTORIES

    def _env_membership(self, test: ast.expr) -> frozenset[str]:
        """Names checked with ``"X" in os.environ`` inside an ``if`` test."""
        out = set()
        for n in ast.walk(test):
            if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.In):
                if isinstance(n.left, ast.Constant) and isinstance(n.left.value, str) and self.qual(n.comparators[0]) == "os.environ":
                    out.add(n.left.value)
        return frozenset(out)

    # ---- expressions -------------------------------------------------------------------------
    def _expr(self, node: ast.expr, ctx: _Ctx) -> None:
        if isinstance(node, ast.Lambda):
            for d in node.args.defaults:
                self._expr(d, ctx)
            self._expr(node.body, ctx.but(scope="function" if ctx.scope != "main" else "main", is_async=False))
            return
        if isinstance(node, ast.IfExp):
            self._expr(node.test, ctx)
            self._expr(node.body, ctx.but(env_checks=ctx.env_checks | self._env_membership(node.test)))
            self._expr(node.orelse, ctx)
            return
        if isinstance(node, ast.Call):
            self._call(node, ctx)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and self.qual(node.value) == "os.environ":
            key = node.slice
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            self.facts["envReads"].append({
                "name": name, "line": node.lineno, "kind": "os.environ[]", "hasDefault": False, "scope": ctx.scope,
                "guarded": bool(ctx.catches & _KEYERROR_CATCHERS) or (name in ctx.env_checks),
            })
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and ctx.import_time:
            base = self.qual(node.value)
            if base and isinstance(node.value, (ast.Name, ast.Attribute)):
                self.facts["attrReads"].append({"obj": base, "text": ast.unparse(node.value), "attr": node.attr, "line": node.lineno, "scope": ctx.scope})
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._expr(child, ctx)
            elif isinstance(child, ast.comprehension):
                for e in [child.iter, child.target, *child.ifs]:
                    self._expr(e, ctx)
            elif isinstance(child, ast.keyword):
                self._expr(child.value, ctx)

    def _call(self, node: ast.Call, ctx: _Ctx) -> None:
        f = self.facts
        callee = self.qual(node.func)
        line = node.lineno
        if callee is None:
            return
        if self._is_server_ctor(callee):
            f["serverConstructions"].append({"line": line, "scope": ctx.scope, "func": ctx.outer, "cls": ctx.cls, "callee": callee, "attr": None})
        if ctx.scope == "main":
            f["mainCalls"].append({"callee": callee, "line": line})
        elif ctx.scope == "module" and "." not in callee:
            f["moduleCalls"].append({"callee": callee, "line": line})
        if callee in _ENV_GETTERS:
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("key", "k")), None)
            name = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            has_default = len(node.args) >= 2 or any(k.arg == "default" for k in node.keywords)
            f["envReads"].append({"name": name, "line": line, "kind": callee, "hasDefault": has_default, "scope": ctx.scope, "guarded": True})
        if callee in _SYS_PATH_CALLS:
            f["sysPath"].append({"line": line, "what": f"{callee}()"})
        if callee == "os.putenv" and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "PYTHONPATH":
            f["sysPath"].append({"line": line, "what": "os.putenv(\"PYTHONPATH\")"})
        if ctx.import_time and self._is_async_client(callee):
            f["asyncClients"].append({"line": line, "callee": callee, "scope": ctx.scope})
        if ctx.scope == "function" and ctx.is_async:
            mod, _, fn = callee.rpartition(".")
            if fn in _BLOCKING_MODULE_FUNCS.get(mod, ()):
                f["blocking"].append({"line": line, "callee": callee, "func": ctx.func})
        if callee in ("datetime.datetime.utcnow", "datetime.datetime.utcfromtimestamp"):
            f["deprecated"].append({"line": line, "call": callee})
        if callee == "hashlib.md5" or (callee == "hashlib.new" and node.args and isinstance(node.args[0], ast.Constant)
                                       and str(node.args[0].value).lower() == "md5"):
            kw = next((k for k in node.keywords if k.arg == "usedforsecurity"), None)
            if kw is None or (isinstance(kw.value, ast.Constant) and kw.value.value is not False):
                f["deprecated"].append({"line": line, "call": callee})
        if isinstance(node.func, ast.Attribute) and node.func.attr == "validate" and ctx.import_time:
            target = self.qual(node.func.value)
            if target:
                f["validateCalls"].append({"obj": target, "text": ast.unparse(node.func.value), "line": line, "scope": ctx.scope})

    @staticmethod
    def _is_async_client(callee: str) -> bool:
        if callee in ASYNC_CLIENTS:
            return True
        last = callee.rsplit(".", 1)[-1]
        return "." in callee and last.startswith("Async") and last.endswith(("Client", "Session"))


def analyze_source(source: str, module: str, is_package: bool) -> dict[str, Any]:
    """Parses ``source`` and returns its facts, or ``{"parseError": {line, message}}``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return {"parseError": {"line": e.lineno or 1, "message": e.msg}}
    except ValueError as e:  # e.g. null bytes
        return {"parseError": {"line": 1, "message": str(e)}}
    return FileFacts(tree, module, is_package).facts
