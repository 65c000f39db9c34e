"""pydantic-settings classes for ``check`` rule ``env-required``.

``class Settings(BaseSettings)`` with a field that has no default (``api_key: str``, or
``Field(...)`` / ``Field(description=...)`` without ``default``/``default_factory``) makes
``Settings()`` raise ``ValidationError`` ("Field required") when the matching environment
variable is unset. pydantic-settings reads the field name (case-insensitive by default) with
the class's ``env_prefix`` (``model_config = SettingsConfigDict(env_prefix="APP_")`` or the
v1-style inner ``class Config: env_prefix = ...``) or a field ``alias``/``validation_alias``.
Source: pydantic-settings documentation, "Field value priority" and "Environment variable names".
"""

from __future__ import annotations

import ast
from typing import Any, Callable

Qual = Callable[[ast.AST], "str | None"]


def _str_kw(call: ast.Call, *names: str) -> str | None:
    for k in call.keywords:
        if k.arg in names and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
            return k.value.value
    return None


def _required(value: ast.expr | None, qual: Qual) -> tuple[bool, str | None]:
    """(field has no default, alias) for a class-body annotated assignment's value."""
    if value is None:
        return True, None
    if isinstance(value, ast.Call) and (qual(value.func) or "").split(".")[-1] == "Field":
        alias = _str_kw(value, "validation_alias", "alias", "env")
        has_default = any(k.arg in ("default", "default_factory") for k in value.keywords)
        if value.args:
            first = value.args[0]
            has_default = not (isinstance(first, ast.Constant) and first.value is Ellipsis)
        return not has_default, alias
    return False, None


def settings_class(node: ast.ClassDef, qual: Qual) -> dict[str, Any] | None:
    """``{name, line, prefix, required: [{field, env, line}]}`` for a BaseSettings subclass, else None."""
    if not any((qual(b) or "").split(".")[-1] == "BaseSettings" for b in node.bases):
        return None
    prefix = ""
    required = []
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets):
            if isinstance(stmt.value, ast.Call):
                prefix = _str_kw(stmt.value, "env_prefix") or prefix
            elif isinstance(stmt.value, ast.Dict):
                for k, v in zip(stmt.value.keys, stmt.value.values):
                    if isinstance(k, ast.Constant) and k.value == "env_prefix" and isinstance(v, ast.Constant):
                        prefix = str(v.value)
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in inner.targets):
                    if isinstance(inner.value, ast.Constant):
                        prefix = str(inner.value.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            ann = ast.unparse(stmt.annotation)
            if ann.startswith(("ClassVar", "typing.ClassVar")) or stmt.target.id.startswith("_"):
                continue
            is_required, alias = _required(stmt.value, qual)
            if is_required:
                env = alias or (prefix + stmt.target.id)
                required.append({"field": stmt.target.id, "env": env.upper(), "line": stmt.lineno})
    # the prefix may come after the fields
    for r in required:
        if not r["env"].startswith(prefix.upper()):
            r["env"] = (prefix + r["field"]).upper()
    return {"name": node.name, "line": node.lineno, "prefix": prefix, "required": required}
