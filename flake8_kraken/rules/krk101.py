"""KRK101: a Kraken API key hardcoded in source."""
from __future__ import annotations

from flake8_kraken.rules.base import Example, Rule
from flake8_kraken.rules.credentials import credentials

RULE = Rule(
    code="KRK101",
    summary="Kraken API key hardcoded in source",
    message="Kraken API key hardcoded in source ({shown}); read it from the environment or a secrets manager",
    why="""Kraken: API keys never in source. A key in a repository is in every clone, fork, build log
and wheel. Kraken keys have no prefix, so the plugin reports a 56-character base64 value only
where the code uses it as a Kraken key (a client's key argument, a key-named variable in a
module that talks to Kraken). The message shows 4 characters and the length, never more.""",
    fix="""Revoke the key under Settings -> API and create a new one: removing the line does not
remove it from history. Kraken's published documentation examples are never reported; add
your own test fixtures' digests under `secrets.known_examples` in `kraken-rules`.""",
    check=credentials("api-key"),
    repair="credential",
    invalid=(
        Example('import krakenex\n\napi = krakenex.API("<56-character API key>", secret)\n', at=(3, 20)),
        Example('KRAKEN = {"apiKey": "<56-character API key>"}\n', at=(1, 21)),
    ),
    valid=(
        Example('import os\n\nimport krakenex\n\napi = krakenex.API(os.environ["KRAKEN_API_KEY"], '
                'os.environ["KRAKEN_API_SECRET"])\n'),
        Example('import krakenex\n\napi = krakenex.API("<56-character placeholder starting YOURxAPIxKEY>", secret)\n'),
    ),
)
