"""Python-version facts for ``check`` rule ``python-version``: FastMCP Cloud builds on Python
3.12.12 (its ``mcp-base-python3.12`` image) whatever ``fastmcp.json`` asks for.

Specifiers are PEP 440 and are evaluated with ``packaging.specifiers`` (or pip's vendored
copy when ``packaging`` is not importable). ``pyproject.toml`` is read with ``tomllib``
(Python 3.11+), else ``tomli``, else pip's vendored ``tomli``.
"""

from __future__ import annotations

import re
from typing import Any

try:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version
except ImportError:  # pragma: no cover - depends on the interpreter
    try:
        from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet  # type: ignore[no-redef]
        from pip._vendor.packaging.version import Version  # type: ignore[no-redef]
    except ImportError:
        SpecifierSet = None  # type: ignore[assignment,misc]
        InvalidSpecifier = ValueError  # type: ignore[assignment,misc]

UNAVAILABLE = "this Python has neither `packaging` nor pip's vendored copy to evaluate version specifiers; pip install packaging, or pass --python"


def _load_toml(text: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            from pip._vendor import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads(text)


_REQUEST_PREFIX = re.compile(r"^(cpython|python)[@-]?", re.IGNORECASE)
_PLAIN_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


def to_specifier(raw: str, kind: str) -> str:
    """PEP 440 specifier set for a declared Python version.

    ``kind`` is ``pep440`` (``requires-python``: used as is) or ``request`` (uv's Python
    request in ``fastmcp.json`` ``environment.python`` or ``.python-version``: ``3.12`` means
    any 3.12.x, ``3.12.4`` exactly that, ``cpython@3.12``/``3.13t`` are accepted, and
    anything starting with an operator is a specifier set).

    Raises ValueError for a request it cannot read.
    """
    text = raw.strip()
    if kind == "request":
        text = _REQUEST_PREFIX.sub("", text).strip()
        if text.endswith("t") and _PLAIN_VERSION.match(text[:-1]):
            text = text[:-1]
        if _PLAIN_VERSION.match(text):
            parts = text.split(".")
            return f"=={text}" if len(parts) == 3 else f"=={text}.*"
    if not text or text[0].isdigit():
        raise ValueError(f"not a Python version or specifier: {raw!r}")
    return text


def admits(spec: str, runtime: str) -> bool:
    """True when the specifier set admits the runtime.

    A runtime ``X.Y.Z`` is tested as is; a runtime ``X.Y`` (e.g. ``python:3.13-slim``, whose
    patch level moves) is admitted when any ``X.Y.p`` (p = 0..99) is.
    """
    ss = SpecifierSet(spec)
    parts = runtime.split(".")
    if len(parts) >= 3:
        return ss.contains(Version(runtime), prereleases=True)
    return any(ss.contains(Version(f"{runtime}.{p}"), prereleases=True) for p in range(100))


def _candidates(runtime: str) -> tuple[list[Version], list[Version]]:
    """CPython 3 versions below and above a runtime (``X.Y.Z``, or ``X.Y`` meaning the whole minor)."""
    parts = [int(p) for p in runtime.split(".")]
    below, above = [], []
    for minor in range(0, 21):
        for patch in range(0, 100):
            v = (3, minor, patch)
            if len(parts) >= 3:
                (below if v < tuple(parts[:3]) else above if v > tuple(parts[:3]) else []).append(v)
            elif minor != parts[1]:
                (below if minor < parts[1] else above).append(v)
    return [Version("%d.%d.%d" % v) for v in below], [Version("%d.%d.%d" % v) for v in above]


def requires_newer(spec: str, runtime: str) -> bool:
    """True when the specifier admits only versions newer than the runtime (``>=3.13`` against 3.12.12):
    the failure of a platform that always runs that runtime. A pin below it (``3.11``) is not."""
    if admits(spec, runtime):
        return False
    ss = SpecifierSet(spec)
    below, above = _candidates(runtime)
    return any(ss.contains(v, prereleases=True) for v in above) and not any(ss.contains(v, prereleases=True) for v in below)


def check_spec(raw: str, kind: str, runtimes: list[str]) -> dict[str, Any]:
    """``{"spec": normalised, "admits": {runtime: bool}, "newer": {runtime: bool}}`` or ``{"error": message}``."""
    if SpecifierSet is None:
        return {"error": UNAVAILABLE}
    try:
        spec = to_specifier(raw, kind)
        SpecifierSet(spec)
    except (ValueError, InvalidSpecifier) as e:
        return {"error": str(e) or f"invalid specifier {raw!r}"}
    return {"spec": spec, "admits": {r: admits(spec, r) for r in runtimes}, "newer": {r: requires_newer(spec, r) for r in runtimes}}


def read_pyproject(path: str, runtimes: list[str]) -> dict[str, Any]:
    """``requires-python`` of a pyproject.toml (with its line and what it admits) and ``[project] dependencies``."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        data = _load_toml(text)
    except Exception as e:  # noqa: BLE001 - any TOML/IO error is reported as a fact
        return {"error": f"cannot read pyproject.toml: {e}"}
    project = data.get("project") or {}
    deps = [d for d in project.get("dependencies") or [] if isinstance(d, str)]
    dependencies = [{"text": d, "line": _line_of(text, d)} for d in deps]
    rp = project.get("requires-python")
    if not isinstance(rp, str):
        return {"requiresPython": None, "dependencies": dependencies}
    line = 1
    for i, ln in enumerate(text.splitlines(), 1):
        if ln.strip().startswith("requires-python"):
            line = i
            break
    out = check_spec(rp, "pep440", runtimes)
    return {"requiresPython": rp, "line": line, "dependencies": dependencies, **out}


def _line_of(text: str, needle: str) -> int:
    """1-based line where a dependency string is written (1 when not found verbatim)."""
    for i, ln in enumerate(text.splitlines(), 1):
        if needle in ln:
            return i
    return 1
