"""Engines run the same stages over batches: local.py on this machine's cores."""
