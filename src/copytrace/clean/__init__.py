"""Cleaning: which spans of the original text carry the story (boilerplate removal with an identity offset map)."""
from copytrace.clean.boilerplate import Cleaned, batch_line_keys, clean, repeated_lines, short_line_keys

__all__ = ["Cleaned", "batch_line_keys", "clean", "repeated_lines", "short_line_keys"]
