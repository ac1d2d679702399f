"""The asyncio sources of the HTTP layer's sync/async pairs; ``scripts/unasync.py`` writes
their threaded twins into ``_sync/``."""
