"""rules.yaml holds Kraken's permission facts, and a broken rules file gives one clear line."""
from __future__ import annotations

from pathlib import Path

import pytest

import kraken_table as kraken
from flake8_kraken.catalog import CatalogError, default_catalog, load_catalog, shipped_rules_path

CATALOG = default_catalog()


def test_permission_ids_and_machine_names() -> None:
    ids = {p.id for p in CATALOG.permissions}
    assert ids == {kraken.FQ, kraken.FD, kraken.FW, kraken.FE, kraken.OQO, kraken.OQC, kraken.OC, kraken.OX,
                   kraken.LQ, kraken.EX, kraken.WS, kraken.AW, kraken.UW, kraken.FR, kraken.FF, kraken.FX}
    assert {p.id for p in CATALOG.permissions if p.key == "futures"} == {kraken.FR, kraken.FF, kraken.FX}
    machine = {p.machine: p.id for p in CATALOG.permissions if p.machine}
    assert machine == kraken.MACHINE_NAMES


def test_every_public_endpoint_is_public() -> None:
    for name in kraken.PUBLIC:
        endpoint = CATALOG.endpoint(name)
        assert endpoint is not None, name
        assert (endpoint.access, endpoint.path) == ("public", f"/0/public/{name}")
        assert endpoint.requirement.mentions == frozenset()


@pytest.mark.parametrize("name", sorted(kraken.FUNDING))
def test_funding_endpoint_requirement(name: str) -> None:
    all_of, moves = kraken.FUNDING[name]
    endpoint = CATALOG.endpoint(name)
    assert endpoint is not None
    assert (endpoint.access, endpoint.key, endpoint.api) == ("private", "spot", "funding")
    assert (set(endpoint.requirement.all_of), endpoint.requirement.any_of, endpoint.moves_funds) == (all_of, (), moves)
    assert {e.name for e in CATALOG.endpoints if e.api == "funding" and e.method} == set(kraken.FUNDING)


@pytest.mark.parametrize("name", sorted(kraken.FUTURES))
def test_futures_endpoint_requirement(name: str) -> None:
    all_of, any_of, moves = kraken.FUTURES[name]
    endpoint = CATALOG.endpoint(name)
    assert endpoint is not None
    assert (endpoint.key, endpoint.api, endpoint.access) == ("futures", "futures", "private" if all_of | any_of else
                                                             "public")
    assert (set(endpoint.requirement.all_of), set(endpoint.requirement.any_of)) == (all_of, any_of)
    assert endpoint.moves_funds is moves


@pytest.mark.parametrize("name", sorted(kraken.PRIVATE))
def test_private_endpoint_requirement(name: str) -> None:
    all_of, any_of, moves = kraken.PRIVATE[name]
    endpoint = CATALOG.endpoint(name)
    assert endpoint is not None
    assert endpoint.access == "private"
    assert endpoint.path == f"/0/private/{name}"
    assert set(endpoint.requirement.all_of) == all_of
    assert set(endpoint.requirement.any_of) == any_of
    assert endpoint.moves_funds is moves


@pytest.mark.parametrize("name", sorted(kraken.GUIDE))
def test_guide_version_kept_where_it_differs(name: str) -> None:
    endpoint = CATALOG.endpoint(name)
    assert endpoint is not None and endpoint.guide is not None
    assert set(endpoint.guide.all_of) | set(endpoint.guide.any_of) == {kraken.GUIDE[name]}


def test_presets_match_krakens_use_case_table() -> None:
    assert {p.id: frozenset(p.permissions) for p in CATALOG.presets} == kraken.PRESETS


def test_withdrawing_permission_and_keepalive_requests() -> None:
    assert CATALOG.withdraw_permissions == {kraken.FW, kraken.FX}
    assert [protocol.keepalive for protocol in CATALOG.websocket.protocols] == [("ping",), ("ping",), ()]
    assert CATALOG.websocket.token_endpoint == "GetWebSocketsToken"


# --- broken rules files ------------------------------------------------------------------

SHIPPED = shipped_rules_path().read_text(encoding="utf-8")


def _edit(old: str, new: str) -> str:
    assert SHIPPED.count(old) >= 1, old
    return SHIPPED.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# case: (file text, start of the line the error must name (None: line 1), message after "file:line: ")
BROKEN = {
    "not-yaml": ("permissions: [\n  - id: x\n", "  - id: x", "not valid YAML: did not find expected node content"),
    "top-not-mapping": ("- a\n", "- a", "rules: expected a mapping at the top, got a list"),
    "empty": ("", None, "rules: expected a mapping at the top, got nothing"),
    "python-tag": (
        "!!python/object/apply:os.system ['echo hi']\n", "!!python",
        "not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    "missing-key": (
        _edit("  - id: query-funds\n    title: Query Funds\n", "  - id: query-funds\n"),
        "  - id: query-funds", "permissions[0]: missing key 'title'",
    ),
    "wrong-type": (_edit("    risk: 1\n", "    risk: high\n"), "    risk: high",
                   "permissions[0].risk: expected a whole number, got 'high'"),
    "unknown-permission": (
        _edit("requires_all: [create-modify-orders, cancel-close-orders]", "requires_all: [create-modify-order]"),
        "[create-modify-order]", "endpoints[AddOrderBatch].requires_all: unknown permission 'create-modify-order' "
        "(did you mean 'create-modify-orders'?)",
    ),
    "duplicate-endpoint": (
        _edit("  - {name: Time, access: public}\n", "  - {name: Time, access: public}\n  - {name: Time, access: 1}\n"),
        "  - {name: Time, access: 1}", "endpoints[1].name: duplicate endpoint 'Time'",
    ),
    "client-unknown-endpoint": (
        _edit("          get_server_time: Time\n", "          get_server_time: Tme\n"),
        "          get_server_time: Tme",
        "clients[pykrakenapi].classes[pykrakenapi.KrakenAPI].methods.get_server_time: unknown endpoint 'Tme' "
        "(did you mean 'Time'?)",
    ),
    "client-unknown-parent": (
        _edit("        inherits: [ccxt.kraken]\n", "        inherits: [ccxt.krakn]\n"),
        "        inherits: [ccxt.krakn]",
        "clients[ccxt].classes[ccxt.pro.kraken].inherits: unknown client class 'ccxt.krakn' (list it before this one) "
        "(did you mean 'ccxt.kraken'?)",
    ),
    "client-bad-dynamic": (
        _edit("query_public: {dynamic: name,", "query_public: {dynamic: nme,"), "          query_public: {dynamic: nme",
        "clients[krakenex].classes[krakenex.API].methods.query_public.dynamic: expected name or path, got 'nme'",
    ),
    "client-regex-groups": (
        _edit("(?P<access>public", "(?P<side>public"), "        implicit:",
        "clients[ccxt].classes[ccxt.kraken].implicit: needs the groups (?P<access>...) and (?P<name>...)",
    ),
    "duplicate-key": (_edit("    title: Query Funds\n", "    title: Query Funds\n    title: Again\n"),
                      "    title: Again", "duplicate key 'title'"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_rules_file_names_file_line_and_key(tmp_path: Path, case: str) -> None:
    text, pointed, expected = BROKEN[case]
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    line = 1 if pointed is None else _line_of(text, pointed)
    assert str(info.value) == f"{path}:{line}: {expected}"


def test_unreadable_and_non_utf8_rules(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"missing\.yaml: cannot read: No such file or directory$"):
        load_catalog(tmp_path / "missing.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: 1 # caf\xe9\n".encode("latin-1"))
    with pytest.raises(CatalogError, match=r"latin1\.yaml: not UTF-8 text \(byte 16\)$"):
        load_catalog(path)
