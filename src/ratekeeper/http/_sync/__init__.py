# Generated from the _async/ twin by scripts/unasync.py: edit that file, then run the script.
"""The asyncio sources of the HTTP layer's sync/async pairs; ``scripts/unasync.py`` writes
their threaded twins into ``_sync/``."""
