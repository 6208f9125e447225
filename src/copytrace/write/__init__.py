"""Writers: scan results, the deduplicated corpus, the terminal summary. Every file is written atomically."""
