"""Aggregate per-file results into the permissions report (JSON shape in DESIGN.md).

Every scope's permission set is computed over that scope's calls with the
least-privilege solver, never as a union of smaller scopes' sets.
"""
from __future__ import annotations

import os
from typing import Any, Iterable

from flake8_kraken.catalog import Catalog
from flake8_kraken.findings import Call, FileResult
from flake8_kraken.privilege import least_privilege, smallest_preset

REPORT_VERSION = 1


def _call_json(call: Call) -> dict[str, Any]:
    return {
        "line": call.line,
        "col": call.col,
        "kind": call.kind,
        "endpoint": call.endpoint,
        "requires_all": list(call.requirement.all_of),
        "requires_any": list(call.requirement.any_of),
        "via": call.via,
    }


def _file_json(result: FileResult, catalog: Catalog) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": result.path,
        "calls": [_call_json(c) for c in result.calls],
        "unresolved": [{"line": u.line, "col": u.col, "reason": u.reason} for u in result.unresolved],
        "permissions": list(least_privilege((c.requirement for c in result.calls), catalog)),
    }
    if result.skipped:
        entry["skipped"] = result.skipped
    return entry


def component_of(path: str) -> str:
    """A file's component: its top-level package (directory with __init__.py), else the file."""
    directory = os.path.dirname(path)
    top = None
    while directory and os.path.isfile(os.path.join(directory, "__init__.py")):
        top = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return top if top is not None else path


def _component_json(name: str, results: list[FileResult], catalog: Catalog) -> dict[str, Any]:
    calls = [c for r in results for c in r.calls]
    permissions = least_privilege((c.requirement for c in calls), catalog)
    return {
        "name": name,
        "paths": sorted(r.path for r in results),
        "permissions": list(permissions),
        "preset": smallest_preset(permissions, catalog) if calls else None,
        "declared": None,
        "excess": [],
        "missing": [],
    }


def build_report(results: Iterable[FileResult], catalog: Catalog) -> dict[str, Any]:
    """The report as plain data, ready for json.dumps."""
    ordered = sorted(results, key=lambda r: r.path)
    groups: dict[str, list[FileResult]] = {}
    for result in ordered:
        groups.setdefault(component_of(result.path), []).append(result)
    calls = [c for r in ordered for c in r.calls]
    permissions = least_privilege((c.requirement for c in calls), catalog)
    return {
        "version": REPORT_VERSION,
        "files": [_file_json(r, catalog) for r in ordered],
        "components": [_component_json(n, g, catalog) for n, g in sorted(groups.items())],
        "permissions": list(permissions),
        "preset": smallest_preset(permissions, catalog) if calls else None,
    }


def render_text(report: dict[str, Any], catalog: Catalog) -> str:
    """A readable table of the report."""
    lines: list[str] = []
    files = [f for f in report["files"] if f["calls"] or f["unresolved"] or f.get("skipped")]
    n_calls = sum(len(f["calls"]) for f in report["files"])
    lines.append(f"Kraken permissions: {len(report['files'])} files read, {n_calls} calls in {len(files)} files")
    for entry in files:
        lines.append("")
        lines.append(entry["path"])
        for call in entry["calls"]:
            needs = _needs(call, catalog)
            lines.append(f"  {_pos(call):<9} {call['endpoint']:<24} {needs}")
        for item in entry["unresolved"]:
            lines.append(f"  {_pos(item):<9} {'(unresolved)':<24} {item['reason']}")
        if entry.get("skipped"):
            lines.append(f"  not analysed: {entry['skipped']}")
        lines.append(f"  needs: {_perm_list(entry['permissions'])}")
    lines.append("")
    lines.append("Components")
    for comp in report["components"]:
        if comp["preset"] is None and not comp["permissions"]:
            continue
        preset = f"  (preset: {comp['preset']})" if comp["preset"] else "  (no preset fits)"
        lines.append(f"  {comp['name']}: {_perm_list(comp['permissions'])}{preset}")
    lines.append("")
    preset = f" (preset: {report['preset']})" if report["preset"] else ""
    lines.append(f"Whole code base: {_perm_list(report['permissions'])}{preset}")
    return "\n".join(lines) + "\n"


def _pos(item: dict[str, Any]) -> str:
    """line:column as flake8 and editors show them (JSON keeps the 0-based column)."""
    return f"{item['line']}:{item['col'] + 1}"


def _perm_list(perms: list[str]) -> str:
    return ", ".join(perms) if perms else "no permission"


def _needs(call: dict[str, Any], catalog: Catalog) -> str:
    parts = list(call["requires_all"])
    if call["requires_any"]:
        parts.append(" | ".join(call["requires_any"]) if not parts else "(" + " | ".join(call["requires_any"]) + ")")
    if parts:
        return " + ".join(parts)
    endpoint = catalog.endpoint(call["endpoint"])
    return "public" if endpoint is not None and endpoint.access == "public" else "any valid key"
