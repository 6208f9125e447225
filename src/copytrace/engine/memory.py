"""Allocator settings for a scan: batch-sized arrays are allocated and freed thousands of times.

glibc serves every block over its mmap threshold with a fresh mapping and unmaps it on free, so each batch's
arrays fault in new zeroed pages (on this project's 2-core machine page faults were half of the tokeniser's time).
Raising the mmap threshold to glibc's maximum and keeping freed memory in the heap lets the next batch reuse the
same pages. Peak memory is unchanged (the peak is the peak); memory is handed back to the system when the process
ends. Elsewhere than glibc this does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: glibc's largest mmap threshold on 64-bit systems (HEAP_MAX_SIZE / 2).
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
_done = False


def reuse_freed_memory() -> bool:
    """Set the allocator up for batch work in this process and the ones it forks; True when it took effect."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt takes an int: 2 GiB of freed memory kept for reuse is plenty
    _done = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
    return _done
