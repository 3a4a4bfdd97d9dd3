"""Sharing one GPU between the children of several workers.

Warm workers never touch CUDA (a forked child could not use a context made before the fork),
so each child that runs a CUDA exercise makes its own context. Several such children can run
at once, one per worker: each may allocate only its share of the card's memory (torch's
per-process memory fraction), so one student's runaway allocation ends in *their*
`OutOfMemoryError` instead of failing a neighbour's run.
"""
from __future__ import annotations

import os
from pathlib import Path

# What a CUDA context and torch's kernels take outside the caching allocator's budget.
CONTEXT_RESERVE = 768 * 2**20
# The share is never made smaller than this: below it even the course's regression cannot run.
SMALLEST_SHARE = 256 * 2**20
# Variables the CUDA runtime reads to find and order the cards; kept for the workers and CUDA children.
CUDA_ENVIRONMENT = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")


class GpuUnavailable(Exception):
    """CUDA could not be started in a child meant to run on the GPU: the grader's problem, not the student's."""


def driver_loaded() -> bool:
    """Without importing torch (seconds): is an NVIDIA driver loaded?"""
    return Path("/proc/driver/nvidia/version").exists()


def share(total_bytes: int, sharers: int) -> float:
    """The fraction of a card of `total_bytes` that each of `sharers` concurrent children may
    allocate, leaving room for every child's context."""
    sharers = max(1, sharers)
    usable = total_bytes * 0.95 - sharers * CONTEXT_RESERVE
    each = max(usable / sharers, SMALLEST_SHARE)
    return min(1.0, each / total_bytes)


def device_files() -> list[str]:
    """The driver's device nodes a CUDA child must open (and ioctl) under Landlock."""
    return sorted(str(path) for path in Path("/dev").glob("nvidia*"))


def claim_share(sharers: int) -> float:
    """In the child, before student code: start CUDA and cap this process at its share."""
    import torch

    try:
        torch.cuda.init()
        _, total = torch.cuda.mem_get_info()
    except Exception as error:  # noqa: BLE001 - any failure here is the machine's, reported as such
        raise GpuUnavailable(f"CUDA could not be started in the sandboxed child ({type(error).__name__}: {error}); "
                             f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r}") from None
    fraction = share(total, sharers)
    torch.cuda.set_per_process_memory_fraction(fraction)
    return fraction
