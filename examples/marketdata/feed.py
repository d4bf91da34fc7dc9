"""Public market data: tickers, candles and order books. No API key needed."""
import requests

API = "https://api.kraken.com"


def ticker(pair: str) -> dict:
    response = requests.get(f"{API}/0/public/Ticker", params={"pair": pair}, timeout=10)
    return response.json()["result"]


def candles(pair: str, interval: int = 60) -> dict:
    response = requests.get(API + "/0/public/OHLC", params={"pair": pair, "interval": interval}, timeout=10)
    return response.json()["result"]


def order_book(pair: str, depth: int = 25) -> dict:
    response = requests.get(f"{API}/0/public/Depth", params={"pair": pair, "count": depth}, timeout=10)
    return response.json()["result"]
