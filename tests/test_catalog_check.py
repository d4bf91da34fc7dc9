"""rules.yaml's client maps agree with the sources of the client libraries (tools/catalog_check.py).

A library test runs only where the library is installed (`pip install -e '.[catalog]'` installs the
versions the catalog is checked against); a new release that adds a Kraken method then fails it
instead of being missed. The fake-tree tests always run: they show that the check can fail.
"""
from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_kraken.catalog import default_catalog

TOOLS = Path(__file__).resolve().parent.parent / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))
catalog_check = importlib.import_module("catalog_check")

CATALOG = default_catalog()


def write(path: Path, source: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")


@pytest.mark.parametrize("library", sorted(catalog_check.LIBRARIES))
def test_catalog_agrees_with_the_library(library: str) -> None:
    package = catalog_check.LIBRARIES[library].package
    before = set(sys.modules)
    report = catalog_check.check(library, catalog=CATALOG)
    if report is None:
        pytest.skip(f"{library} is not installed here: pip install -e '.[catalog]' checks rules.yaml against it")
    imported = {m for m in set(sys.modules) - before if m.split(".")[0] == package}
    assert not imported, f"the check imported {library}: {sorted(imported)}"
    assert report.sent, f"nothing read from {library} {report.version} at {report.location}: is the reader broken?"
    pin = catalog_check.pinned().get(catalog_check.LIBRARIES[library].dist)
    problems = "\n".join(f"  {f}" for f in report.problems)
    if not report.ok:
        pytest.fail(f"rules.yaml disagrees with {library} {report.version} (the [catalog] extra pins {pin}); fix "
                    f"rules.yaml, or add a row with the reason to ACCEPTED in tools/catalog_check.py:\n{problems}",
                    pytrace=False)


def test_a_method_the_catalog_lacks_fails_the_check(tmp_path: Path) -> None:
    package = tmp_path / "ccxt"
    write(package / "abstract" / "kraken.py", """
        from ccxt.base.types import Entry

        class ImplicitAPI:
            private_post_balance = privatePostBalance = Entry('Balance', ['private'], 'POST', {'cost': 3})
            private_post_balanceex = privatePostBalanceEx = Entry('BalanceEx', ['private'], 'POST', {'cost': 3})
            private_post_newthing = privatePostNewThing = Entry('NewThing', ['private'], 'POST', {'cost': 3})
    """)
    write(package / "kraken.py", """
        from ccxt.base.exchange import Exchange
        from ccxt.abstract.kraken import ImplicitAPI

        class kraken(Exchange, ImplicitAPI):
            def describe(self):
                return self.deep_extend(super(kraken, self).describe(), {
                    'urls': {'api': {'public': 'https://api.kraken.com', 'private': 'https://api.kraken.com'}},
                })

            def fetch_balance(self, params={}):
                return self.privatePostBalanceEx(params)

            def fetch_new_thing(self, params={}):
                self.load_markets()
                return self.private_post_newthing(params)

            def fetch_ledger(self, code=None, params={}):
                return self._ledger_page(params)

            def _ledger_page(self, params={}):
                return self.privatePostBalance(params)
    """)
    write(package / "abstract" / "krakenfutures.py", """
        class ImplicitAPI:
            private_get_newfeed = privateGetNewfeed = Entry[_Dict]('newfeed', ['private'], 'GET', {'cost': 1})
            history_get_orders = historyGetOrders = Entry[_Dict]('orders', ['history'], 'GET', {'cost': 1})
    """)
    write(package / "krakenfutures.py", """
        class krakenfutures(Exchange, ImplicitAPI):
            def describe(self):
                return self.deep_extend(super(krakenfutures, self).describe(), {
                    'version': 'v3',
                    'urls': {'api': {'private': 'https://futures.kraken.com/derivatives/api/',
                                     'history': 'https://futures.kraken.com/api/history/'}},
                    'options': {'versions': {'history': {'GET': {'orders': 'v2'}}}},
                })
    """)

    report = catalog_check.check("ccxt", package=package, catalog=CATALOG)

    assert report is not None and not report.ok
    missing = {(f.method, tuple(sorted(f.sent))) for f in report.missing}
    assert missing == {
        ("private_post_newthing", ("NewThing",)), ("privatePostNewThing", ("NewThing",)),
        ("fetch_new_thing", ("NewThing",)), ("fetchNewThing", ("NewThing",)),
        ("private_get_newfeed", ("GET /derivatives/api/v3/newfeed",)),
        ("privateGetNewfeed", ("GET /derivatives/api/v3/newfeed",)),
    }
    different = {(f.method, tuple(f.sent), tuple(f.catalog or ())) for f in report.different}
    assert different == {("fetch_ledger", ("Balance",), ("Ledgers",)), ("fetchLedger", ("Balance",), ("Ledgers",))}
    agreed = {s.method for s in report.sent} - {f.method for f in report.problems}
    assert {"fetch_balance", "fetchBalance", "history_get_orders", "privatePostBalanceEx"} <= agreed
    assert "not a catalog endpoint: NewThing" in "\n".join(catalog_check.render(report, {}, listing=False))


def test_a_helper_passes_its_endpoint_on_and_branches_follow_literal_arguments(tmp_path: Path) -> None:
    package = tmp_path / "kraken"
    write(package / "futures" / "market.py", """
        from kraken.base_api import FuturesClient

        class Market(FuturesClient):
            def get_public_order_events(self, tradeable):
                return self._get_historical_events(endpoint=f"/api/history/v2/market/{tradeable}/orders")

            def _get_historical_events(self, endpoint, **kwargs):
                return self.request(method="GET", uri=endpoint)

            def get_orderbook(self, symbol):
                return self._book("snapshot", symbol)

            def _book(self, kind, symbol):
                if kind == "snapshot":
                    response = self.request("GET", "/derivatives/api/v3/orderbook")
                else:
                    response = self.request("GET", f"/derivatives/api/v3/tickers/{symbol}")
                return response
    """)

    report = catalog_check.check("python-kraken-sdk", package=package, catalog=CATALOG)

    assert report is not None and report.ok, report.problems
    assert {s.method: set(s.endpoints) for s in report.sent} == {
        "get_public_order_events": {"GET /api/history/v2/market/{tradeable}/orders"},
        "get_orderbook": {"GET /derivatives/api/v3/orderbook"},
    }
