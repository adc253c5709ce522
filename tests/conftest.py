"""Paths and fixtures shared by the test modules.

The path constants are imported by the modules that need them at import time
(``from conftest import EDGES``; pytest puts this folder on ``sys.path``); the fixtures are
found by pytest.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

#: The repository root.
ROOT = Path(__file__).resolve().parents[1]
#: Human data shipped with the repository.
HUMAN_DATA = ROOT / "human_data"
GEIRHOS = HUMAN_DATA / "geirhos2019"
EDGES = GEIRHOS / "raw-data" / "edge-experiment"
SILHOUETTES = GEIRHOS / "raw-data" / "silhouette-filled-experiment"
CIFAR10H_COUNTS = HUMAN_DATA / "cifar10h" / "cifar10h-counts.npy"
#: Real data beside the project (``../shared/data``), used by the slow tests when present.
SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_CIFAR = SHARED_DATA / "cifar10-jpeg"
#: Recorded benchmark results.
RESULTS = ROOT / "benchmarks" / "results"
#: Golden copies of outputs (rewritten by ``NEUROGROW_UPDATE_GOLDEN=1``; review the diff, then commit).
GOLDEN = ROOT / "tests" / "data" / "golden"


def golden(name: str, text: str) -> None:
    """TEXT equals tests/data/golden/NAME (written there instead with NEUROGROW_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get("NEUROGROW_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with NEUROGROW_UPDATE_GOLDEN=1 and review it"
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), "golden", "now", n=1))
        pytest.fail(f"{name} differs from its golden copy:\n{diff[:4000]}")


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A data cache of this test's own (``$NEUROGROW_CACHE`` in its temporary folder)."""
    monkeypatch.setenv("NEUROGROW_CACHE", str(tmp_path / "default-cache"))
    return tmp_path / "default-cache"


@pytest.fixture
def one_thread(monkeypatch):
    """Tiny models train fastest on one thread, and the test machine is shared."""
    import torch

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # read by worker processes
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
