"""KRK102: a Kraken private key (API secret) hardcoded in source."""
from __future__ import annotations

from flake8_kraken.rules.base import Example, Rule
from flake8_kraken.rules.credentials import credentials

RULE = Rule(
    code="KRK102",
    summary="Kraken private key (API secret) hardcoded in source",
    message="Kraken private key hardcoded in source ({shown}); read it from the environment or a secrets manager",
    why="""The private key signs every request; with it and the API key anyone can act with the
key's permissions. A SHA-512 digest in base64 has exactly its shape (88 characters), so it
is reported only in a credential context.""",
    fix="Revoke the key pair and load the new secret from the environment or a secrets manager.",
    check=credentials("private-key"),
    repair="credential",
    invalid=(Example('import krakenex\n\nAPI_SECRET = "<88-character private key>"\n', at=(3, 14)),),
    valid=(
        Example('import os\n\nimport krakenex\n\nAPI_SECRET = os.environ["KRAKEN_API_SECRET"]\n'),
        Example('import hashlib\n\nDIGEST = "<88-character private key>"  # a digest: no credential name, no Kraken\n'),
    ),
)
