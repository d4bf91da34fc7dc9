"""Signed calls to Kraken's private REST API. The key comes from the environment."""
import base64
import hashlib
import hmac
import os
import time
import urllib.parse

import requests

API = "https://api.kraken.com"


def _signature(urlpath: str, data: dict, secret: str) -> str:
    postdata = urllib.parse.urlencode(data)
    message = urlpath.encode() + hashlib.sha256((str(data["nonce"]) + postdata).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), message, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


def kraken_request(urlpath: str, data: dict) -> dict:
    """POST a signed request to a private endpoint, e.g. kraken_request("/0/private/Balance", {})."""
    data = {**data, "nonce": str(int(time.time() * 1000))}
    headers = {
        "API-Key": os.environ["KRAKEN_API_KEY"],
        "API-Sign": _signature(urlpath, data, os.environ["KRAKEN_API_SECRET"]),
    }
    response = requests.post(API + urlpath, headers=headers, data=data, timeout=10)
    return response.json()
