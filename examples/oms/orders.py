"""The order manager: places, amends and cancels limit orders."""
from oms.signing import kraken_request

DEAD_MAN_SWITCH = "/0/private/CancelAllOrdersAftr"


def place_limit(pair: str, side: str, volume: str, price: str) -> str:
    result = kraken_request("/0/private/AddOrder", {
        "ordertype": "limit", "type": side, "volume": volume, "pair": pair, "price": price,
    })
    return result["result"]["txid"][0]


def reprice(txid: str, pair: str, price: str) -> dict:
    return kraken_request("/0/private/EditOrder", {"txid": txid, "pair": pair, "price": price})


def cancel(txid: str) -> dict:
    return kraken_request("/0/private/CancelOrder", {"txid": txid})


def open_orders() -> dict:
    return kraken_request("/0/private/OpenOrders", {})["result"]["open"]


def arm_dead_man_switch(seconds: int = 60) -> dict:
    return kraken_request(DEAD_MAN_SWITCH, {"timeout": seconds})
