"""Aggregate per-file results into the permissions report (JSON shape in DESIGN.md).

Every scope's permission set is computed over that scope's calls with the
least-privilege solver, never as a union of smaller scopes' sets. Components are
the declared keys' globs; files under none are grouped by top-level package.
"""
from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Iterable

from flake8_kraken.catalog import Catalog, Requirement
from flake8_kraken.findings import Call, FileResult
from flake8_kraken.policy import DeclaredKey
from flake8_kraken.rules import krk201, krk202
from flake8_kraken.rules.base import Message
from flake8_kraken.privilege import least_privilege, smallest_preset

REPORT_VERSION = 1


@dataclass(frozen=True)
class Checked:
    """One file as the report sees it: what it does, the key declared for it, its messages."""

    result: FileResult
    key: DeclaredKey | None = None
    messages: tuple[Message, ...] = ()
    may_withdraw: bool = False

    @property
    def path(self) -> str:
        return self.result.path


def _call_json(call: Call) -> dict[str, Any]:
    return {
        "line": call.line,
        "col": call.col,
        "kind": call.kind,
        "endpoint": call.endpoint,
        "requires_all": list(call.requirement.all_of),
        "requires_any": list(call.requirement.any_of),
        "via": call.via,
        "key": call.key,
    }


def keys_of(permissions: Iterable[str], catalog: Catalog) -> dict[str, list[str]]:
    """A permission set split by the API key that holds each (spot, futures): the keys code needs."""
    out: dict[str, list[str]] = {}
    for permission in permissions:
        out.setdefault(catalog.permission(permission).key, []).append(permission)
    return {key: out[key] for key in catalog.keys if key in out}


def _preset(calls: Iterable[Call], permissions: Iterable[str], catalog: Catalog) -> str | None:
    """The smallest of Kraken's presets for the spot key's part; presets are spot keys' only."""
    spot = catalog.keys[0]
    if not any(c.key == spot for c in calls):
        return None
    return smallest_preset(keys_of(permissions, catalog).get(spot, ()), catalog)


def _file_json(result: FileResult, catalog: Catalog) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": result.path,
        "calls": [_call_json(c) for c in result.calls],
        "unresolved": [{"line": u.line, "col": u.col, "reason": u.reason} for u in result.unresolved],
        "permissions": list(least_privilege((c.requirement for c in result.calls), catalog)),
    }
    entry["keys"] = keys_of(entry["permissions"], catalog)
    if result.skipped:
        entry["skipped"] = result.skipped
    return entry


def declared_directories(patterns: Iterable[str]) -> frozenset[str]:
    """The directories declared globs sit in (their part before any wildcard): 'svc/oms/*' -> 'svc/oms'."""
    fixed = (re.split(r"[*?[]", pattern, maxsplit=1)[0] for pattern in patterns)
    return frozenset(d for d in (posixpath.dirname(f) if not f.endswith("/") else f.rstrip("/") for f in fixed) if d)


def package_of(path: str, declared: frozenset[str] = frozenset()) -> str:
    """An undeclared file's component: its outermost package that holds no declared glob
    (svc/reports beside the declared svc/oms/*), else the file itself."""
    directory = posixpath.dirname(path)
    top = None
    while directory and os.path.isfile(os.path.join(directory, "__init__.py")):
        if any(d == directory or d.startswith(directory + "/") for d in declared):
            break
        top = directory
        directory = posixpath.dirname(directory)
    return top if top is not None else path


def component_of(checked: Checked, declared: frozenset[str] = frozenset()) -> tuple[str, DeclaredKey | None]:
    """The component a file belongs to: its declared key's glob, else its package (package_of)."""
    key = checked.key
    if key is not None:
        return (key.pattern or checked.path), key
    return package_of(checked.path, declared), None


def fitted(requirements: list[Requirement], granted: frozenset[str], catalog: Catalog,
           flagged: list[Requirement] | None = None) -> tuple[set[str], set[str]]:
    """(excess, missing) of a declared key: what it grants beyond its own least-privilege
    subset that still meets every call it can meet, and what it lacks for the others
    (`flagged`: only for these, the calls whose KRK201 flake8 would show)."""
    unmet = [r for r in (requirements if flagged is None else flagged) if not r.satisfied_by(granted)]
    missing = set(least_privilege(unmet, catalog)) - granted if unmet else set()
    fixed = granted | missing  # the key once what it lacks is added: what it grants for a call is not excess
    within = [Requirement(r.all_of, tuple(p for p in r.any_of if p in fixed)) for r in requirements
              if r.satisfied_by(fixed)]
    used = set(least_privilege(within, catalog)).union(
        *(set(r.all_of) for r in requirements if not r.satisfied_by(fixed)))
    return granted - used, missing


def _needed_by(calls: list[tuple[str, Call]], permissions: tuple[str, ...]) -> dict[str, list[str]]:
    """For every permission needed, the calls (path:line) whose requirement it serves."""
    return {p: [f"{path}:{c.line}" for path, c in calls if p in c.requirement.mentions] for p in permissions}


def _component_json(name: str, members: list[Checked], key: DeclaredKey | None, catalog: Catalog) -> dict[str, Any]:
    calls = [(m.path, c) for m in members for c in m.result.calls]
    requirements = [c.requirement for _, c in calls]
    permissions = least_privilege(requirements, catalog)
    declared = key.grants if key is not None else None
    # What flake8 shows decides what --check counts: a silenced finding (noqa, per-file-ignores) is not one.
    shown = {(m.path, msg.line, msg.col, msg.code) for m in members for msg in m.messages}
    flagged = [c.requirement for path, c in calls if (path, c.line, c.col, krk201.RULE.code) in shown]
    excess, missing = fitted(requirements, declared, catalog, flagged) if declared is not None else (set(), set())
    order = {p.id: p.order for p in catalog.permissions}
    return {
        "name": name,
        "paths": sorted(m.path for m in members),
        "permissions": list(permissions),
        "keys": keys_of(permissions, catalog),
        "preset": _preset((c for _, c in calls), permissions, catalog),
        "declared": sorted(declared, key=order.__getitem__) if declared is not None else None,
        "excess": sorted(excess, key=order.__getitem__),
        "missing": sorted(missing, key=order.__getitem__),
        "needed_by": _needed_by(calls, permissions),
        "withdrawals": [f"{path}:{c.line}" for path, c in calls if (path, c.line, c.col, krk202.RULE.code) in shown],
        "notes": [f"{path}:{c.line}: {note}" for path, c in calls
                  if (path, c.line, c.col, krk201.RULE.code) in shown
                  for note in [krk201.guide_note(c.endpoint, c.requirement, declared or frozenset(), catalog)]
                  if note],
    }


def build_report(checked: Iterable[Checked | FileResult], catalog: Catalog,
                 declared: Iterable[str] = ()) -> dict[str, Any]:
    """The report as plain data, ready for json.dumps (declared: the globs of kraken-permissions).

    Code no glob declares is grouped by package and shown only where it makes a call."""
    items = sorted((c if isinstance(c, Checked) else Checked(c) for c in checked), key=lambda c: c.path)
    directories = declared_directories(declared)
    groups: dict[str, tuple[DeclaredKey | None, list[Checked]]] = {}
    for item in items:
        name, key = component_of(item, directories)
        groups.setdefault(name, (key, []))[1].append(item)
    groups = {name: (key, members) for name, (key, members) in groups.items()
              if key is not None or any(m.result.calls for m in members)}
    calls = [c for item in items for c in item.result.calls]
    permissions = least_privilege((c.requirement for c in calls), catalog)
    return {
        "version": REPORT_VERSION,
        "files": [_file_json(item.result, catalog) for item in items],
        "components": [_component_json(n, members, key, catalog) for n, (key, members) in sorted(groups.items())],
        "permissions": list(permissions),
        "keys": keys_of(permissions, catalog),
        "preset": _preset(calls, permissions, catalog),
    }


def failed_check(report: dict[str, Any]) -> bool:
    """--check: a component with missing or excess permissions, or a withdrawal where none may be."""
    return any(c["missing"] or c["excess"] or c["withdrawals"] for c in report["components"])


def emit_config(report: dict[str, Any], catalog: Catalog) -> str:
    """A kraken-permissions block: each component's least privilege, as a preset where one is exact."""
    lines = ["[flake8]"]
    for name, value in config_options(report, catalog).items():
        if value:
            lines.append(f"{name} =")
            lines.extend(f"    {line}" for line in value)
    return "\n".join(lines) + "\n"


def config_options(report: dict[str, Any], catalog: Catalog) -> dict[str, list[str]]:
    """The plugin's options that declare each component's least privilege, as their value lines (none:
    the option is not needed)."""
    exact = {frozenset(p.permissions): p.id for p in catalog.presets}
    lines: list[str] = []
    withdraw = []
    with_calls = {f["path"] for f in report["files"] if f["calls"]}
    for component in report["components"]:
        if with_calls.isdisjoint(component["paths"]):
            continue
        glob = _glob(component)
        perms = component["permissions"]
        parts = [exact.get(frozenset(held)) or ", ".join(held) for held in component["keys"].values()] or [
            exact.get(frozenset()) or ""]
        lines.append(f"{glob}: {', '.join(parts)}".rstrip())
        if component["withdrawals"] or catalog.withdraw_permissions.intersection(perms):
            withdraw.append(glob)
    return {"kraken-permissions": lines, "kraken-withdraw-paths": withdraw}


def _glob(component: dict[str, Any]) -> str:
    name = component["name"]
    if component["declared"] is not None or name.endswith(".py") or any(ch in name for ch in "*?["):
        return name
    return f"{name}/*"


# --- text and markdown -------------------------------------------------------------------


def render_text(report: dict[str, Any], catalog: Catalog, explain: str | None = None) -> str:
    """A readable table of the report (with `explain`: only the calls that need that permission)."""
    if explain is not None:
        return _render_explain(report, explain)
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
        lines.append(f"  needs: {_perm_list(entry['permissions'], entry['keys'])}")
    lines.append("")
    lines.append("Components")
    for comp in report["components"]:
        if comp["preset"] is None and not comp["permissions"] and comp["declared"] is None:
            continue
        preset = f"  (preset: {comp['preset']})" if comp["preset"] else "  (no preset fits)" if _spot_part(
            comp, catalog) else ""
        lines.append(f"  {comp['name']}: {_perm_list(comp['permissions'], comp['keys'])}{preset}")
        if comp["declared"] is not None:
            lines.append(f"    declared: {_perm_list(comp['declared'])}")
        if comp["excess"]:
            lines.append(f"    excess: {', '.join(comp['excess'])} (granted, never needed)")
        if comp["missing"]:
            lines.append(f"    missing: {', '.join(comp['missing'])} (needed, not granted)")
        if comp["withdrawals"]:
            lines.append(f"    withdrawals outside the withdraw paths: {', '.join(comp['withdrawals'])}")
        lines.extend(f"    note: {note}" for note in comp["notes"])
    lines.append("")
    preset = f" (preset: {report['preset']})" if report["preset"] else ""
    lines.append(f"Whole code base: {_perm_list(report['permissions'], report['keys'])}{preset}")
    return "\n".join(lines) + "\n"


def _render_explain(report: dict[str, Any], permission: str) -> str:
    lines = [f"Calls that need {permission}"]
    for comp in report["components"]:
        where = comp["needed_by"].get(permission)
        if where:
            lines.append(f"  {comp['name']}:")
            lines.extend(f"    {place}" for place in where)
    if len(lines) == 1:
        lines.append("  none")
    return "\n".join(lines) + "\n"


def render_markdown(report: dict[str, Any]) -> str:
    """The report as a pull-request comment."""
    lines = ["### Kraken API-key permissions", "",
             "| component | needs | preset | declared | excess | missing |", "| --- | --- | --- | --- | --- | --- |"]
    for comp in report["components"]:
        if not comp["permissions"] and comp["declared"] is None and comp["preset"] is None:
            continue
        declared = (", ".join(comp["declared"]) or "none") if comp["declared"] is not None else "-"
        lines.append(f"| `{comp['name']}` | {_perm_list(comp['permissions'], comp['keys'], 'none')} | "
                     f"{comp['preset'] or '-'} | "
                     f"{declared} | {', '.join(comp['excess']) or '-'} | {', '.join(comp['missing']) or '-'} |")
    notes = [note for comp in report["components"] for note in comp["notes"]]
    if notes:
        lines += [""] + [f"- `{note.split(': ', 1)[0]}`: {note.split(': ', 1)[1]}" for note in notes]
    withdrawals = [w for comp in report["components"] for w in comp["withdrawals"]]
    if withdrawals:
        lines += ["", "**Withdrawal calls outside the withdraw paths:** " + ", ".join(f"`{w}`" for w in withdrawals)]
    preset = f" (preset `{report['preset']}`)" if report["preset"] else ""
    lines += ["", f"Whole code base: {_perm_list(report['permissions'], report['keys'])}{preset}."]
    return "\n".join(lines) + "\n"


def _pos(item: dict[str, Any]) -> str:
    """line:column as flake8 and editors show them (JSON keeps the 0-based column)."""
    return f"{item['line']}:{item['col'] + 1}"


def _spot_part(comp: dict[str, Any], catalog: Catalog) -> bool:
    """Whether a scope needs the spot key (Kraken's presets are spot keys'), or no key at all."""
    return catalog.keys[0] in comp["keys"] or not comp["keys"]


def _perm_list(perms: list[str], keys: dict[str, list[str]] | None = None, none: str = "no permission") -> str:
    """Permissions as a list; where they need two API keys, one list per key."""
    if keys is not None and len(keys) > 1:
        return "; ".join(f"{key} key: {', '.join(held)}" for key, held in keys.items())
    return ", ".join(perms) if perms else none


def _needs(call: dict[str, Any], catalog: Catalog) -> str:
    parts = list(call["requires_all"])
    if call["requires_any"]:
        parts.append(" | ".join(call["requires_any"]) if not parts else "(" + " | ".join(call["requires_any"]) + ")")
    if parts:
        return " + ".join(parts)
    endpoint = catalog.endpoint(call["endpoint"])
    return "public" if endpoint is not None and endpoint.access == "public" else "any valid key"
