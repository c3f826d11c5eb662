#!/usr/bin/env python3
"""What one durable journal append costs on this machine: write(1 KiB) + fdatasync.

Usage: fsync_cost.py [DIR] [N]   (DIR: a directory on the filesystem eddy's --data-dir is on)

Prints wall-clock and CPU (user + system) microseconds per append, the latter being what a
group commit pays once per group whatever the group's size. On a virtual machine the CPU
part is large (virtio notification, completion interrupt, two context switches), and it
bounds durable write throughput together with the HTTP floor; bench.py reports it.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time


def cost(directory: str, n: int = 3000, size: int = 1000) -> tuple[float, float]:
    """(wall µs, CPU µs) per write+fdatasync into a preallocated, zero-filled file."""
    fd, path = tempfile.mkstemp(prefix="fsync-cost-", dir=directory)
    try:
        os.write(fd, b"\0" * (16 << 20))
        os.fsync(fd)
        os.lseek(fd, 0, os.SEEK_SET)
        buf = b"x" * size
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for _ in range(n):
            os.write(fd, buf)
            os.fdatasync(fd)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    finally:
        os.close(fd)
        os.unlink(path)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return (t1 - t0) / n * 1e6, cpu / n * 1e6


if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else tempfile.gettempdir()
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    wall, cpu = cost(d, n)
    print(f"write(1 KiB) + fdatasync in {d}: {wall:.1f} µs wall, {cpu:.1f} µs CPU per append")
