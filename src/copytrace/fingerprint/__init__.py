"""Fingerprints: cheap per-document hashes that let the candidate stage find pairs without comparing all of them."""
