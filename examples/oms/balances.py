"""How much the order manager may still spend."""
from oms.signing import kraken_request


def balances() -> dict:
    return kraken_request("/0/private/Balance", {})["result"]


def trade_volume(pair: str) -> dict:
    return kraken_request("/0/private/TradeVolume", {"pair": pair})["result"]
