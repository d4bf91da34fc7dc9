"""`python -m flake8_kraken` works like the `flake8-kraken` console script."""
import sys

from flake8_kraken.cli import main

sys.exit(main())
