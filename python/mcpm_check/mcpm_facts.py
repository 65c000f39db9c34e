"""Facts about one Python file, read with Python's own ``ast`` (no regular expressions).

Used by ``create-mcp-monorepo check`` (src/check/). Each fact carries a 1-based line
number; the TypeScript side turns facts into findings. The rules behind each fact are
listed, with their public sources, in src/check/README.md.

Scopes: ``module`` (runs at import), ``main`` (inside ``if __name__ == "__main__":``,
never run by ``fastmcp run`` or FastMCP Cloud), ``class`` (a class body: runs at import),
``function`` (a function body: runs when called).
"""

from __future__ import annotations

import ast
from typing import Any

import mcpm_db
import mcpm_paths
import mcpm_settings
from mcpm_calls import BLOCKING_CONSTRUCTORS, IMPORTERROR_CATCHERS, KEYERROR_CATCHERS, CallFacts
from mcpm_scope import Ctx, assigned_globals, handler_names, is_main_guard, is_type_checking

def _terminates(body: list[ast.stmt]) -> bool:
    """True when a block ends by leaving: ``raise``, ``return``, ``sys.exit()``/``exit()``/``os._exit()``."""
    last = body[-1] if body else None
    if isinstance(last, (ast.Raise, ast.Return)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        f = last.value.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        return name in ("exit", "_exit", "quit")
    return False


class FileFacts(CallFacts):
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
            "importExits": [], "importCrashes": [], "settings": [],
            "importRaises": [], "importConnects": [], "importClients": [], "fastmcpRemoved": [], "importRequests": [],
        }
        self.path_vars: dict[str, dict[str, Any]] = {}
        # Module-level names bound to an environment read without a default: ``KEY = os.getenv("KEY")``.
        self.env_names: dict[str, str] = {}
        self.blocking_objects: dict[str, str] = {}
        # Module-level names bound once to a string or f-string (``BASE = "http://localhost:8000"``).
        self.str_consts: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, (ast.Constant, ast.JoinedStr)):
                self.str_consts[node.targets[0].id] = node.value
        self._collect_aliases(tree)
        self._collect_blocking_objects(tree)
        self._collect_fastmcp(tree)
        self._block(tree.body, Ctx())
        self.facts["db"] = mcpm_db.collect(tree, self.qual)

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

    def _collect_blocking_objects(self, tree: ast.Module) -> None:
        """Names bound (anywhere in the file) to a synchronous network client: ``s3 = boto3.client("s3")``,
        ``with smtplib.SMTP(host) as smtp``."""
        for node in ast.walk(tree):
            pairs: list[tuple[ast.expr, ast.expr | None]] = []
            if isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            elif isinstance(node, ast.AnnAssign):
                pairs = [(node.target, node.value)]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars is not None]
            for target, value in pairs:
                if isinstance(target, ast.Name) and isinstance(value, ast.Call):
                    callee = self.qual(value.func) or ""
                    if callee in BLOCKING_CONSTRUCTORS or callee.endswith(".client") and callee.split(".")[0] == "boto3":
                        self.blocking_objects[target.id] = callee

    def _exit_context(self, stmt: ast.stmt) -> dict[str, Any]:
        """What the module-level statement around an import-time ``sys.exit()`` checks: the objects it
        validates, the variables it reads, and whether it is a Python version/platform guard."""
        validates, env = [], []
        version_guard = False
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "validate":
                q = self.qual(n.func.value)
                if q and q not in validates:
                    validates.append(q)
            if isinstance(n, ast.Call) and self.qual(n.func) in ("os.getenv", "os.environ.get") and n.args:
                a = n.args[0]
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value not in env:
                    env.append(a.value)
            if isinstance(n, ast.Name) and n.id in self.env_names and self.env_names[n.id] not in env:
                env.append(self.env_names[n.id])
            if isinstance(n, ast.Attribute) and self.qual(n) in ("sys.version_info", "sys.platform", "os.name"):
                version_guard = True
        return {"validates": validates, "env": env, "versionGuard": version_guard, "stmtLine": stmt.lineno}

    def path_of(self, node: ast.expr | None) -> dict[str, Any]:
        """Where a ``sys.path`` edit points (``mcpm_paths.evaluate``)."""
        return mcpm_paths.evaluate(node, self.qual, self.path_vars)

    def qual(self, node: ast.AST) -> str | None:
        """Dotted qualified name of a Name/Attribute chain, imports resolved (``dt.datetime`` → ``datetime.datetime``)."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    # ---- statements --------------------------------------------------------------------------
    def _block(self, stmts: list[ast.stmt], ctx: Ctx) -> None:
        """Visits statements in order; after ``if "X" not in os.environ: raise ...`` reads of X are validated."""
        for stmt in stmts:
            exits = len(self.facts["importExits"])
            raises = len(self.facts["importRaises"])
            self._stmt(stmt, ctx)
            if ctx.scope == "module":
                for e in self.facts["importExits"][exits:] + self.facts["importRaises"][raises:]:
                    e.update(self._exit_context(stmt))
            if ctx.scope == "function" and isinstance(stmt, ast.If) and _terminates(stmt.body):
                # What follows runs only on some calls (an early ``return``/``raise`` may leave first).
                ctx = ctx.but(conditional=True)
            if isinstance(stmt, ast.If) and _terminates(stmt.body):
                missing = self._env_missing(stmt.test)
                if missing:
                    ctx = ctx.but(env_checks=ctx.env_checks | missing)

    def _stmt(self, node: ast.stmt, ctx: Ctx) -> None:
        f = self.facts
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                self._expr(d, ctx)
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self._expr(d, ctx)
            is_async = isinstance(node, ast.AsyncFunctionDef)
            if ctx.scope in ("module", "main"):
                f["defs"].append({"name": node.name, "line": node.lineno, "async": is_async, "scope": ctx.scope,
                                  "setsGlobals": assigned_globals(node), "validates": self._validates(node)})
                self._bind(node.name, node.lineno, {"kind": "async-def" if is_async else "def"}, ctx)
            if ctx.scope == "class":
                if node.name == "validate":
                    for c in f["classes"]:
                        if c["name"] == ctx.cls:
                            c["hasValidate"] = True
            inner = ctx.but(scope="function", func=node.name, outer=node.name if ctx.scope != "function" else ctx.outer,
                            is_async=is_async, catches=frozenset())
            self._block(node.body, inner)
            return
        if isinstance(node, ast.ClassDef):
            for d in node.decorator_list + node.bases:
                self._expr(d, ctx)
            if ctx.scope in ("module", "main"):
                f["classes"].append({"name": node.name, "line": node.lineno, "hasValidate": False, "scope": ctx.scope})
                settings = mcpm_settings.settings_class(node, self.qual)
                if settings is not None:
                    f["settings"].append(settings)
                self._bind(node.name, node.lineno, {"kind": "class"}, ctx)
            inner = ctx.but(scope="class" if ctx.import_time else ctx.scope, cls=node.name)
            self._block(node.body, inner)
            return
        if isinstance(node, ast.If):
            if ctx.scope == "module" and is_main_guard(node.test):
                self._block(node.body, ctx.but(scope="main"))
                self._block(node.orelse, ctx)
                return
            self._expr(node.test, ctx)
            checks = ctx.env_checks | self._env_membership(node.test)
            body_ctx = ctx.but(env_checks=checks, type_checking=ctx.type_checking or is_type_checking(node.test))
            self._block(node.body, body_ctx)
            self._block(node.orelse, ctx)
            return
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            caught: set[str] = set()
            for h in node.handlers:
                caught |= handler_names(h)
            self._block(node.body, ctx.but(catches=ctx.catches | caught))
            for h in node.handlers:
                self._block(h.body, ctx)
            self._block(node.orelse + node.finalbody, ctx)
            return
        if isinstance(node, ast.Raise) and ctx.import_time and not ctx.catches:
            self.facts["importRaises"].append({"line": node.lineno, "scope": ctx.scope})
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
            self._import(top, node.module or "", node.level, node.lineno, ctx, [a.name for a in node.names if a.name != "*"])
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
        # Everything else: visit child statement blocks and expressions with the same context.
        for _field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and all(isinstance(v, ast.stmt) for v in value):
                self._block(value, ctx)
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.expr):
                    self._expr(child, ctx)
                elif isinstance(child, ast.withitem):
                    self._expr(child.context_expr, ctx)
                    if child.optional_vars is not None and ctx.scope in ("module", "main"):
                        for n in ast.walk(child.optional_vars):
                            if isinstance(n, ast.Name):
                                self._bind(n.id, node.lineno, {"kind": "other"}, ctx)
                elif hasattr(ast, "match_case") and isinstance(child, ast.match_case):
                    self._block(child.body, ctx)
        if isinstance(node, (ast.For, ast.AsyncFor)) and ctx.scope in ("module", "main"):
            for n in ast.walk(node.target):
                if isinstance(n, ast.Name):
                    self._bind(n.id, node.lineno, {"kind": "other"}, ctx)

    def _validates(self, fn: ast.AST) -> list[str]:
        """Qualified objects whose ``.validate()`` a function calls (``Config.validate()`` inside ``create_server``)."""
        out = []
        for n in ast.walk(fn):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "validate":
                q = self.qual(n.func.value)
                if q and q not in out:
                    out.append(q)
        return out

    def _import(self, top: str | None, full: str, level: int, line: int, ctx: Ctx, names: list[str] | None = None) -> None:
        self.facts["imports"].append({
            "top": top, "module": full, "level": level, "line": line, "scope": ctx.scope, "names": names or [],
            "guarded": bool(ctx.catches & IMPORTERROR_CATCHERS), "typeChecking": ctx.type_checking,
            "packageDepth": len(self.package),
        })

    def _target(self, t: ast.expr, value: ast.expr | None, node: ast.stmt, ctx: Ctx) -> None:
        f = self.facts
        q = self.qual(t.value) if isinstance(t, ast.Subscript) else self.qual(t)
        if q == "sys.path" or (isinstance(t, ast.Subscript) and self.qual(t.value) == "sys.path"):
            f["sysPath"].append({"line": node.lineno, "what": "sys.path assignment", "target": {"kind": "unknown"}})
        if isinstance(t, ast.Subscript) and self.qual(t.value) == "os.environ":
            key = t.slice
            if isinstance(key, ast.Constant) and key.value == "PYTHONPATH":
                f["sysPath"].append({"line": node.lineno, "what": "os.environ[\"PYTHONPATH\"] assignment", "target": {"kind": "unknown"}})
        if isinstance(t, ast.Name) and ctx.scope == "module":
            unset = self._unset_env_names(value) if value is not None else set()
            if unset:
                self.env_names[t.id] = next(iter(unset))
            else:
                self.env_names.pop(t.id, None)
        if isinstance(t, ast.Name) and ctx.scope in ("module", "main"):
            self._bind(t.id, node.lineno, self._value_kind(value), ctx)
            where = mcpm_paths.evaluate(value, self.qual, self.path_vars)
            if where["kind"] == "file":
                self.path_vars[t.id] = where
            else:
                self.path_vars.pop(t.id, None)
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

    def _bind(self, name: str, line: int, kind: dict[str, Any], ctx: Ctx) -> None:
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

    def _expr(self, node: ast.expr, ctx: Ctx) -> None:
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
                "guarded": bool(ctx.catches & KEYERROR_CATCHERS) or (ast.unparse(key) in ctx.env_checks),
                "func": ctx.outer, "cls": ctx.cls, "conditional": ctx.conditional,
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

def analyze_source(source: str | bytes, module: str, is_package: bool) -> dict[str, Any]:
    """Parses ``source`` and returns its facts, or ``{"parseError": {line, message}}``.

    Never raises for bad input: a file too deeply nested for the recursive walker is reported
    the same way, so one odd file cannot stop the whole check.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return {"parseError": {"line": e.lineno or 1, "message": e.msg}}
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        return {"parseError": {"line": 1, "message": f"could not parse: {type(e).__name__}: {e}"}}
    try:
        return FileFacts(tree, module, is_package).facts
    except RecursionError:
        return {"parseError": {"line": 1, "message": "too deeply nested for check's analyzer"}}
