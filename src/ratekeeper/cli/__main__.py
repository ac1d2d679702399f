"""``python -m ratekeeper.cli``: the ``ratekeeper`` command where the script is not on PATH."""

from __future__ import annotations

from . import main

if __name__ == "__main__":
    main()
