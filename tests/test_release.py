"""The release artifacts (docs/release.md): ``python -m build`` gives an sdist and a wheel, ``twine check`` passes,
and the wheel installs into a fresh venv and imports from there.

Offline: ``--no-isolation`` builds with this environment's setuptools and wheel; the wheel is
installed with ``--no-deps`` and the fresh venv sees this environment's packages (torch, numpy,
brainscore_vision, ...) through a ``.pth`` file placed after its own site-packages, so ``neurogrow``
itself can only come from the wheel.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)[1]
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NEUROGROW_HUMAN_DATA")}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    pytest.importorskip("build")
    tmp = tmp_path_factory.mktemp("release")
    source = tmp / "source"  # built from a copy, so the checkout gets no build/ or egg-info
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
        "runs", "demo_results", "data_cache", "mutants"))
    out = tmp / "dist"
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                          env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_build_gives_an_sdist_and_a_wheel_that_twine_accepts(dist):
    sdist, wheel = dist / f"neurogrow-{VERSION}.tar.gz", dist / f"neurogrow-{VERSION}-py3-none-any.whl"
    assert sorted(p.name for p in dist.iterdir()) == sorted([sdist.name, wheel.name])
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
                          env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.count("PASSED") == 2, done.stdout + done.stderr
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("neurogrow/zoo/blt-cifar10-adaptive.pt", "neurogrow/brainscore/standin.py",
                     "neurogrow/brainscore/models/neurogrow_blt_cifar10/requirements.txt",
                     "neurogrow/brainscore/benchmarks/geirhos2021_rt/metadata.yml",
                     "neurogrow/_human_data/geirhos2019/raw-data/edge-experiment/edge-experiment_subject-01_session_1.csv"):
        assert required in names, required
    metadata = zipfile.ZipFile(wheel).read(f"neurogrow-{VERSION}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "Classifier: Intended Audience :: Science/Research" in metadata
    assert "Description-Content-Type: text/markdown" in metadata
    with tarfile.open(sdist) as archive:
        members = {m.split("/", 1)[1] for m in archive.getnames() if "/" in m}
    assert {"LICENSE", "README.md", "pyproject.toml", "setup.py"} <= members


def test_the_wheel_installs_into_a_fresh_venv_and_imports_from_it(dist, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    wheel = dist / f"neurogrow-{VERSION}-py3-none-any.whl"
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                          env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          env=ENV, capture_output=True, text=True, check=True).stdout.strip()
    # this environment's packages, after the venv's own: neurogrow's dependencies without a download
    (Path(site) / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = (
        "import importlib.metadata as m, neurogrow, neurogrow.brainscore.standin, neurogrow.brainscore.models.neurogrow_blt_cifar10.model as p\n"
        "from neurogrow.zoo import load_model\n"
        "print(neurogrow.__file__); print(m.version('neurogrow')); print(p.weight_file('neurogrow-blt-cifar10-adaptive'))\n"
        "print(load_model('blt-cifar10-adaptive').num_layers)\n"
    )
    done = subprocess.run([python, "-c", code], env={**ENV, "BS_INSTALL_DEPENDENCIES": "no", "RESULTCACHING_DISABLE": "1"},
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    where, version, weights, layers = done.stdout.strip().splitlines()[-4:]
    assert where.startswith(str(env_dir)) and weights.startswith(str(env_dir))
    assert version == VERSION and int(layers) >= 1
