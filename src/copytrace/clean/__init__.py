"""Cleaning: which spans of the original text carry the story (boilerplate removal with an identity offset map)."""
from copytrace.clean.boilerplate import Cleaned, clean, short_line_keys

__all__ = ["Cleaned", "clean", "short_line_keys"]
