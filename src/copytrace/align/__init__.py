"""Alignment of a candidate pair into passages with character offsets into each original text."""
