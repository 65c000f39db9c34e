"""The analyzer's protocol (see ``__main__.py``): JSON request on stdin, JSON facts on stdout."""


from __future__ import annotations

import json
import sys

import mcpm_facts
import mcpm_versions


def _distributions(names: list[str]) -> dict[str, list[str]]:
    """Installed distributions providing each import name (``importlib.metadata``), when known here."""
    try:
        from importlib.metadata import packages_distributions

        known = packages_distributions()
    except Exception:  # noqa: BLE001 - best effort only
        return {}
    return {n: sorted(set(known[n])) for n in names if n in known}


def _third_party_tops(files: dict) -> set[str]:
    """Top-level names of absolute imports that are not in the standard library."""
    tops = set()
    for facts in files.values():
        for imp in facts.get("imports", []):
            if imp["level"] == 0 and imp["top"] and imp["top"] not in sys.stdlib_module_names:
                tops.add(imp["top"])
    return tops


def main() -> int:
    request = json.load(sys.stdin)
    runtimes = request.get("runtimes", [])
    files = {}
    for f in request.get("files", []):
        try:
            with open(f["path"], "rb") as fh:
                source = fh.read()
            files[f["id"]] = mcpm_facts.analyze_source(source, f["module"], bool(f.get("isPackage")))
        except OSError as e:
            files[f["id"]] = {"parseError": {"line": 1, "message": f"cannot read file: {e.strerror}"}}
    response = {
        "python": {"version": ".".join(map(str, sys.version_info[:3])), "executable": sys.executable},
        "stdlib": sorted(sys.stdlib_module_names),
        "files": files,
        "specs": {s["id"]: mcpm_versions.check_spec(s["raw"], s["kind"], runtimes) for s in request.get("specs", [])},
        "pyprojects": {p["id"]: mcpm_versions.read_pyproject(p["path"], runtimes) for p in request.get("pyprojects", [])},
        "distributions": _distributions(sorted(set(request.get("importNames", [])) | _third_party_tops(files))),
    }
    json.dump(response, sys.stdout)
    return 0

