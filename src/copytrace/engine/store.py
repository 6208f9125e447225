"""A scan's texts on disk: appended once while reading, read back by index for fingerprinting and alignment.

Memory stays bounded by the batch, not the corpus: only offsets live in memory. The file has no name (it is
unlinked as it is made), so nothing is left behind however the scan ends, killed or crashed; forked workers read it
through the descriptor they inherit, with positioned reads that share no file offset."""
from __future__ import annotations

import os
import tempfile

import numpy as np


class TextStore:
    def __init__(self, directory: str | None = None) -> None:
        # a large buffer: texts are appended a few kB at a time, and small writes cost 3x as much
        self._file = tempfile.TemporaryFile(prefix="copytrace-texts-", suffix=".bin", dir=directory, buffering=1 << 20)
        self._fd = self._file.fileno()
        self._offsets: list[int] = [0]

    def append(self, text: str) -> int:
        data = text.encode("utf-8", "surrogatepass")
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))
        return len(self._offsets) - 2

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def seal(self) -> None:
        """Done appending: flush, so reads (from this or forked processes) see every text."""
        self._file.flush()
        self.offsets = np.array(self._offsets, dtype=np.int64)

    def get(self, i: int) -> str:
        return self.get_many([i])[0]

    def get_many(self, indices) -> list[str]:
        out = []
        for i in indices:
            start, end = int(self.offsets[i]), int(self.offsets[i + 1])
            out.append(os.pread(self._fd, end - start, start).decode("utf-8", "surrogatepass"))
        return out

    def close(self) -> None:
        self._file.close()
