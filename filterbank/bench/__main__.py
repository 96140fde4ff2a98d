"""``python -m filterbank.bench``: the harness (also ``filterbank bench``; the memory probes run this way)."""

from __future__ import annotations

import sys

from .command import main

if __name__ == "__main__":
    sys.exit(main())
