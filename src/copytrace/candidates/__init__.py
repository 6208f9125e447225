"""Candidates: which pairs of documents deserve alignment. Only these reach the (dear) align stage."""
