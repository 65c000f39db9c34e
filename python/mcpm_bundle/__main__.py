"""Static facts `mcp-monorepo bundle` writes into an MCPB manifest.

Reads a server's entry file with Python's own ``ast`` (nothing is imported, so it works for
any target platform) and prints one JSON object on stdout:

    {"version": "0.1.0" | null, "tools": [{"name": ..., "description": ...}, ...]}

``version`` is the ``version=`` string given to ``FastMCP(...)``; tools are functions decorated
with ``@<server>.tool`` / ``@<server>.tool(...)`` (FastMCP's decorator), named by the decorator's
``name=`` when given, described by its ``description=`` or the first paragraph of the docstring
(FastMCP uses the docstring as the tool description).
Usage: python python/mcpm_bundle path/to/server.py
"""

from __future__ import annotations

import ast
import json
import sys


def _kw(call: ast.Call, name: str) -> str | None:
    for k in call.keywords:
        if k.arg == name and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
            return k.value.value
    return None


def _is_tool_decorator(d: ast.expr) -> tuple[bool, ast.Call | None]:
    target = d.func if isinstance(d, ast.Call) else d
    if isinstance(target, ast.Attribute) and target.attr == "tool":
        return True, d if isinstance(d, ast.Call) else None
    return False, None


def facts(source: str) -> dict:
    tree = ast.parse(source)
    version = None
    tools = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if fname == "FastMCP" and version is None:
                version = _kw(node, "version")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                ok, call = _is_tool_decorator(d)
                if not ok:
                    continue
                name = (call and _kw(call, "name")) or node.name
                description = call and _kw(call, "description")
                if not description:
                    doc = ast.get_docstring(node) or ""
                    description = " ".join(doc.split("\n\n")[0].split())
                tools.append({"name": name, "description": description or None})
    return {"version": version, "tools": tools}


def main() -> None:
    try:
        with open(sys.argv[1], encoding="utf-8") as fh:
            source = fh.read()
        out = facts(source)
    except SyntaxError as err:
        out = {"error": f"{err.msg} (line {err.lineno})"}
    except UnicodeDecodeError as err:
        out = {"error": f"not UTF-8 text ({err.reason} at byte {err.start})"}
    except (ValueError, RecursionError, MemoryError) as err:
        # ValueError: NUL bytes (Python < 3.12); RecursionError: absurdly nested expressions.
        out = {"error": f"{type(err).__name__}: {err}"}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
