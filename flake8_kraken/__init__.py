"""flake8-kraken: Kraken API keys, endpoints and permissions, checked statically."""

__version__ = "0.1.0"
