"""A scan's texts on disk: appended once while reading, read back by index for fingerprinting and alignment.

Memory stays bounded by the batch, not the corpus: only offsets live in memory. The file is a private temporary
file, deleted when the store is closed."""
from __future__ import annotations

import os
import tempfile

import numpy as np


class TextStore:
    def __init__(self, directory: str | None = None) -> None:
        fd, self.path = tempfile.mkstemp(prefix="copytrace-texts-", suffix=".bin", dir=directory)
        self._writer = os.fdopen(fd, "wb")
        self._offsets: list[int] = [0]
        self._reader = None

    def append(self, text: str) -> int:
        data = text.encode("utf-8", "surrogatepass")
        self._writer.write(data)
        self._offsets.append(self._offsets[-1] + len(data))
        return len(self._offsets) - 2

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def seal(self) -> None:
        """Done appending: flush, so reads (from this or forked processes) see every text."""
        self._writer.flush()
        self.offsets = np.array(self._offsets, dtype=np.int64)

    def get(self, i: int) -> str:
        return self.get_many([i])[0]

    def get_many(self, indices) -> list[str]:
        if self._reader is None or self._reader_pid != os.getpid():  # a forked worker opens its own handle
            self._reader = open(self.path, "rb")
            self._reader_pid = os.getpid()
        out = []
        for i in indices:
            start, end = int(self.offsets[i]), int(self.offsets[i + 1])
            self._reader.seek(start)
            out.append(self._reader.read(end - start).decode("utf-8", "surrogatepass"))
        return out

    def close(self) -> None:
        self._writer.close()
        if self._reader is not None:
            self._reader.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
