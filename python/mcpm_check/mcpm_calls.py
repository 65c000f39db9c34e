"""Call facts for ``check``: which calls construct servers, read the environment, edit
``sys.path``, create async clients, block the event loop or are deprecated.

A mixin of :class:`mcpm_facts.FileFacts`; every callee is a qualified name after import
aliases are resolved (``dt.datetime.utcnow`` → ``datetime.datetime.utcnow``).
"""

from __future__ import annotations

import ast

import mcpm_fastmcp
from mcpm_scope import Ctx

# Callables that construct a FastMCP server (qualified names after alias resolution).
SERVER_CLASSES = ("FastMCP", "MCPServer")
SERVER_FACTORIES = ("from_openapi", "from_fastapi", "as_proxy")

# Async clients that must not be created at import time, before the server's event loop exists
# (https://www.python-httpx.org/async/).
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

# Blocking calls that stall the event loop inside ``async def``
# (https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code).
_BLOCKING_MODULE_FUNCS = {
    "requests": {"get", "post", "put", "patch", "delete", "head", "options", "request", "Session"},
    "httpx": {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "Client"},
    "urllib.request": {"urlopen"},
    "time": {"sleep"},
    "imaplib": {"IMAP4", "IMAP4_SSL"},
    "smtplib": {"SMTP", "SMTP_SSL", "LMTP"},
    "boto3": {"client", "resource"},
}

# Calls that return a synchronous network client: methods called on it inside ``async def`` block too
# (imaplib/smtplib sockets, boto3's botocore clients).
BLOCKING_CONSTRUCTORS = {"imaplib.IMAP4", "imaplib.IMAP4_SSL", "smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP",
                         "boto3.client", "boto3.resource", "boto3.session.Session.client", "boto3.Session"}

_ENV_GETTERS = {"os.getenv": 1, "os.environ.get": 1, "os.environ.setdefault": 1}
_SYS_PATH_CALLS = {"sys.path.append", "sys.path.insert", "sys.path.extend", "site.addsitedir"}
# Database drivers whose ``connect()`` opens a network connection at once (PEP 249 ``connect``):
# at import it fails the load wherever the database is not reachable.
DB_CONNECTS = {"psycopg2.connect", "psycopg.connect", "pymysql.connect", "mysql.connector.connect", "pymssql.connect",
               "pyodbc.connect", "oracledb.connect", "cx_Oracle.connect", "snowflake.connector.connect", "MySQLdb.connect"}

# Synchronous HTTP requests: at import they need the other end to answer while FastMCP loads the file.
HTTP_REQUESTS = {f"{m}.{f}" for m in ("requests", "httpx") for f in ("get", "post", "put", "patch", "delete", "head", "options", "request")} | {
    "urllib.request.urlopen"}

# SDK clients whose constructor raises when no API key is passed and the variable is unset
# (openai ``OpenAIError``: "The api_key client option must be set"; google-genai ``ValueError``:
# "Missing key inputs argument"; groq ``GroqError``; tavily ``MissingAPIKeyError``).
KEYED_CLIENTS = {
    "openai.OpenAI": ["OPENAI_API_KEY"], "openai.AsyncOpenAI": ["OPENAI_API_KEY"],
    "google.genai.Client": ["GEMINI_API_KEY", "GOOGLE_API_KEY"], "google.genai.client.Client": ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    "groq.Groq": ["GROQ_API_KEY"], "groq.AsyncGroq": ["GROQ_API_KEY"],
    "tavily.TavilyClient": ["TAVILY_API_KEY"], "tavily.AsyncTavilyClient": ["TAVILY_API_KEY"],
}

KEYERROR_CATCHERS = {"KeyError", "LookupError", "Exception", "BaseException"}
IMPORTERROR_CATCHERS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


class CallFacts:
    """Classifies calls; uses ``self.facts`` and ``self.qual()`` of :class:`mcpm_facts.FileFacts`."""

    def _collect_fastmcp(self, tree: ast.Module) -> None:
        """What ``mcpm_fastmcp.removed_call`` needs: the file's FastMCP servers, whether it imports fastmcp, awaited calls."""
        self.fastmcp_servers = mcpm_fastmcp.known_servers(tree, self.qual)
        self.imports_fastmcp = any(v == "fastmcp" or v.startswith("fastmcp.") for v in self.aliases.values())
        self.awaited = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Await)}

    @staticmethod
    def _is_server_ctor(callee: str | None) -> bool:
        if not callee:
            return False
        parts = callee.split(".")
        if parts[-1] in SERVER_CLASSES:
            return True
        return len(parts) >= 2 and parts[-2] in SERVER_CLASSES and parts[-1] in SERVER_FACTORIES

    def _env_missing(self, test: ast.expr) -> frozenset[str]:
        """Keys (as ``ast.unparse`` text) an ``if`` test finds unset: ``"X" not in os.environ``,
        ``not os.getenv("X")``, ``os.environ.get("X") is None``, joined with ``or``."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
            out: frozenset[str] = frozenset()
            for v in test.values:
                out |= self._env_missing(v)
            return out
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, ast.NotIn) and self.qual(right) == "os.environ":
                return frozenset([ast.unparse(test.left)])
            if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value is None:
                return self._getter_name(test.left)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self._getter_name(test.operand)
        return frozenset()

    def _getter_name(self, node: ast.expr) -> frozenset[str]:
        """``{"'X'"}`` (the key as ``ast.unparse`` text) for ``os.getenv("X")`` / ``os.environ.get(key)``, else empty."""
        if isinstance(node, ast.Call) and self.qual(node.func) in ("os.getenv", "os.environ.get") and node.args:
            return frozenset([ast.unparse(node.args[0])])
        return frozenset()

    def _env_membership(self, test: ast.expr) -> frozenset[str]:
        """Keys (``ast.unparse`` text) an ``if`` test finds set: ``"X" in os.environ``, ``key in os.environ``,
        ``os.getenv("X")`` / ``os.environ.get(key)`` used as a truth value."""
        out = set()
        for n in ast.walk(test):
            if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.In):
                if self.qual(n.comparators[0]) == "os.environ":
                    out.add(ast.unparse(n.left))
            out |= self._getter_name(n) if isinstance(n, ast.expr) else frozenset()
        return frozenset(out)

    # ---- expressions -------------------------------------------------------------------------
    def _call(self, node: ast.Call, ctx: Ctx) -> None:
        f = self.facts
        callee = self.qual(node.func)
        line = node.lineno
        removed = mcpm_fastmcp.removed_call(node, self.qual, self.fastmcp_servers, self.imports_fastmcp, id(node) in self.awaited)
        if removed is not None:
            f["fastmcpRemoved"].append({**removed, "scope": ctx.scope})
        if callee is None:
            return
        if self._is_server_ctor(callee):
            f["serverConstructions"].append({"line": line, "scope": ctx.scope, "func": ctx.outer, "cls": ctx.cls, "callee": callee, "attr": None,
                                             "kwargs": [k.arg for k in node.keywords if k.arg]})
        if ctx.import_time and not ctx.catches and callee in DB_CONNECTS:
            f["importConnects"].append({"line": line, "callee": callee, "scope": ctx.scope})
        if ctx.import_time and not ctx.catches and callee in HTTP_REQUESTS:
            f["importRequests"].append({"line": line, "callee": callee, "scope": ctx.scope, "host": self._url_host(node, callee)})
        if ctx.import_time and not ctx.catches and callee in KEYED_CLIENTS:
            self._keyed_client(node, callee, ctx)
        if ctx.scope == "main":
            f["mainCalls"].append({"callee": callee, "line": line})
        elif ctx.scope == "module" and "." not in callee:
            f["moduleCalls"].append({"callee": callee, "line": line})
        if callee in _ENV_GETTERS:
            arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("key", "k")), None)
            name = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            has_default = len(node.args) >= 2 or any(k.arg == "default" for k in node.keywords)
            f["envReads"].append({"name": name, "line": line, "kind": callee, "hasDefault": has_default, "scope": ctx.scope, "guarded": True,
                                  "func": ctx.outer, "cls": ctx.cls, "conditional": ctx.conditional})
        if callee in _SYS_PATH_CALLS:
            arg = node.args[1] if callee == "sys.path.insert" and len(node.args) > 1 else node.args[0] if node.args and callee != "sys.path.extend" else None
            f["sysPath"].append({"line": line, "what": f"{callee}()", "target": self.path_of(arg)})
        if callee == "os.putenv" and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "PYTHONPATH":
            f["sysPath"].append({"line": line, "what": "os.putenv(\"PYTHONPATH\")"})
        if ctx.import_time and self._is_async_client(callee):
            f["asyncClients"].append({"line": line, "callee": callee, "scope": ctx.scope})
        if ctx.scope == "function" and ctx.is_async:
            mod, _, fn = callee.rpartition(".")
            if fn in _BLOCKING_MODULE_FUNCS.get(mod, ()):
                f["blocking"].append({"line": line, "callee": callee, "func": ctx.func})
            elif mod in self.blocking_objects:
                f["blocking"].append({"line": line, "callee": callee, "func": ctx.func, "client": self.blocking_objects[mod]})
        if ctx.import_time and callee in ("sys.exit", "exit", "quit", "os._exit"):
            f["importExits"].append({"line": line, "callee": callee, "scope": ctx.scope})
        if ctx.import_time and isinstance(node.func, ast.Attribute) and node.func.attr == "parse_args":
            f["importCrashes"].append({"line": line, "kind": "parse_args", "callee": callee})
        if ctx.import_time and callee in ("asyncio.run", "anyio.run"):
            f["importCrashes"].append({"line": line, "kind": "asyncio-run", "callee": callee})
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

    def _keyed_client(self, node: ast.Call, callee: str, ctx: Ctx) -> None:
        """An SDK client built at import that raises without its key: none passed (the SDK reads its
        variable), or one read with ``os.getenv("X")`` without a default (directly or via a module-level name)."""
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if None in [k.arg for k in node.keywords] or node.args:
            return  # ``**options`` or positional arguments: cannot tell
        if kw.get("vertexai") is not None:
            return  # Vertex AI authenticates with Google credentials, not an API key
        key = kw.get("api_key")
        if key is None:
            env = KEYED_CLIENTS[callee]
        else:
            env = sorted(self._unset_env_names(key))
            if not env:
                return
        self.facts["importClients"].append({"line": node.lineno, "callee": callee, "env": env, "scope": ctx.scope})

    def _unset_env_names(self, node: ast.expr) -> set[str]:
        """Variables an expression is when unset: ``os.getenv("X")`` without a default, or a name bound to one."""
        if isinstance(node, ast.Name) and node.id in self.env_names:
            return {self.env_names[node.id]}
        if isinstance(node, ast.Call) and self.qual(node.func) in ("os.getenv", "os.environ.get") and len(node.args) == 1 \
                and not node.keywords and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            return {node.args[0].value}
        return set()

    def _url_host(self, node: ast.Call, callee: str) -> str | None:
        """The host of a request's URL when its text starts with a literal ``scheme://host`` (else None)."""
        args = node.args[1:] if callee.endswith(".request") else node.args
        url = args[0] if args else next((k.value for k in node.keywords if k.arg == "url"), None)
        head = self._str_head(url)
        if "://" not in head:
            return None
        rest = head.split("://", 1)[1]
        host = rest.split("/", 1)[0].split("@")[-1]
        if host.startswith("["):
            return host[1:].split("]")[0] or None
        host = host.split(":")[0]
        return host or None

    def _str_head(self, node: ast.expr | None, depth: int = 0) -> str:
        """The literal start of a string expression: a constant, an f-string's leading text or leading
        ``{NAME}`` bound to a module-level string, or a ``+`` concatenation's left side."""
        if node is None or depth > 3:
            return ""
        if isinstance(node, ast.Name) and node.id in self.str_consts:
            return self._str_head(self.str_consts[node.id], depth + 1)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant):
                return str(first.value)
            if isinstance(first, ast.FormattedValue) and first.conversion == -1 and first.format_spec is None:
                return self._str_head(first.value, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._str_head(node.left, depth + 1)
        return ""

    @staticmethod
    def _is_async_client(callee: str) -> bool:
        if callee in ASYNC_CLIENTS:
            return True
        last = callee.rsplit(".", 1)[-1]
        return "." in callee and last.startswith("Async") and last.endswith(("Client", "Session"))
