"""Treasury: sends funds to a whitelisted withdrawal address and tracks the transfer."""
from oms.signing import kraken_request


def deposit_address(asset: str, method: str) -> str:
    result = kraken_request("/0/private/DepositAddresses", {"asset": asset, "method": method})
    return result["result"][0]["address"]


def withdraw(asset: str, key_name: str, amount: str) -> str:
    result = kraken_request("/0/private/Withdraw", {"asset": asset, "key": key_name, "amount": amount})
    return result["result"]["refid"]


def withdrawal_status(asset: str) -> list:
    return kraken_request("/0/private/WithdrawStatus", {"asset": asset})["result"]
