"""The daily report: balances and the last day's fills, read through pykrakenapi."""
import os
import time

import krakenex
from pykrakenapi import KrakenAPI


def connect() -> KrakenAPI:
    api = krakenex.API(os.environ["KRAKEN_REPORT_KEY"], os.environ["KRAKEN_REPORT_SECRET"])
    return KrakenAPI(api)


def daily(kraken: KrakenAPI) -> dict:
    balances = kraken.get_account_balance()
    fills, _ = kraken.get_trades_history(start=int(time.time()) - 86400)
    return {"balances": balances, "fills": fills}
