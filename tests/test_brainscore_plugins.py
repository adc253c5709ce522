"""The submission bundle inside a brainscore_vision tree: Brain-Score's own tests, loaders, scoring, metadata.

``neurogrow brainscore bundle`` writes the plugin folders; :mod:`brainscore_tree` places them in a
brainscore_vision tree. There, in subprocesses (offline, ``BS_INSTALL_DEPENDENCIES=no``):

- Brain-Score's generic model tests and each plugin's ``test.py`` (the pytest runs of its
  ``test_plugin.sh``, without the per-plugin conda environment);
- ``brainscore_vision.load_model`` / ``load_benchmark`` for every registered identifier,
  ``brainscore_vision.score`` of the adaptive model on every benchmark (scalar raw, ceiling and
  error), of a one-step model and of Brain-Score's ``pixels`` model (NaN from the one-stimulus
  probe, peak memory under 2 GB);
- the benchmark and metric plugins imported with neurogrow made unimportable;
- Brain-Score's metadata generators on the model and benchmark plugins.

Here the interpreter is the project's (this checkout first on the path); the slow test does the same
with a fresh venv holding only the built wheel and brainscore-vision.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import brainscore_tree
import pytest

from neurogrow.brainscore.bundle import PLUGINS, plugin_files, write_bundle
from neurogrow.cli import main
from neurogrow.errors import NeurogrowError

ROOT = Path(__file__).resolve().parents[1]
MODEL_IDS = [
    "neurogrow-blt-cifar10-adaptive",
    "neurogrow-blt-cifar10-fixed-time",
    "neurogrow-blt-cifar10-one-step",
    "neurogrow-blt-cifar10-plain",
]
BENCHMARK_IDS = ["Geirhos2021edge-solution_time_rt", "Geirhos2021silhouette-solution_time_rt"]
PARENT = "Geirhos2021-solution_time_rt"
ADAPTIVE_SCORES = {  # benchmarks/results/brainscore/geirhos2021_solution_time_rt.json
    "Geirhos2021edge-solution_time_rt": 0.1810518189254454,
}
#: Peak memory (max RSS) allowed for Brain-Score's pixels model on a benchmark, MB.
PIXELS_MAX_MB = 2048
#: An import of neurogrow in plugin code (not a mention in a docstring).
NEUROGROW_IMPORT = re.compile(r"^\s*(from|import)\s+neurogrow\b", re.MULTILINE)


def _run_in(python: str, args: list[str], cwd: Path, extra_path: list[Path] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, **brainscore_tree.ENV, "PYTHONPATH": os.pathsep.join([str(cwd), *map(str, extra_path)])}
    env.pop("NEUROGROW_HUMAN_DATA", None)
    return subprocess.run([python, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    assert main(["brainscore", "bundle", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def tree(bundle, tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    brainscore_tree.make_tree(root, brainscore_tree.installed_brainscore_vision(sys.executable), bundle)
    return root


def test_bundle_holds_the_plugin_folders_file_for_file(bundle):
    for kind, name in PLUGINS:
        folder = bundle / "brainscore_vision" / kind / name
        written = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
        assert written == plugin_files(kind, name)
        for required in ("__init__.py", "test.py", "requirements.txt"):
            assert (folder / required).is_file(), f"{kind}/{name} lacks {required}"
        source = ROOT / "neurogrow" / "brainscore" / kind / name
        for rel in written:
            assert (folder / rel).read_bytes() == (source / rel).read_bytes()
    assert {p.name for p in (bundle / "brainscore_vision").iterdir()} == {"models", "benchmarks", "metrics"}


def _requirements(folder: Path) -> list[str]:
    lines = [line.strip() for line in (folder / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_only_the_model_needs_neurogrow_and_pins_this_release_exactly():
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)[1]
    for kind, name in PLUGINS:
        folder = ROOT / "neurogrow" / "brainscore" / kind / name
        requirements = _requirements(folder)
        code = {p.name: p.read_text() for p in folder.glob("*.py")}
        if kind == "models":
            assert requirements == [f"neurogrow=={version}"]
        else:
            assert not any(r.lower().startswith(("neurogrow", "torch")) for r in requirements), requirements
            assert set(requirements) <= {"numpy", "scipy", "pandas", "scikit-learn"}, requirements
            assert not [f for f, text in code.items() if NEUROGROW_IMPORT.search(text)], f"{kind}/{name} imports neurogrow"


def test_plugin_requirements_pin_no_torch_and_tests_import_no_other_plugin():
    for kind, name in PLUGINS:
        folder = ROOT / "neurogrow" / "brainscore" / kind / name
        requirements = _requirements(folder)
        assert requirements, f"{kind}/{name}/requirements.txt names no requirement"
        assert not any(r.lower().startswith("torch") for r in requirements), requirements
        test = (folder / "test.py").read_text()
        for other_kind, other in PLUGINS:
            if (other_kind, other) != (kind, name):
                assert f"{other_kind}.{other}" not in test, f"{kind}/{name}/test.py imports {other_kind}/{other}"
        assert "neurogrow.brainscore.registry" not in test and "import neurogrow.brainscore as" not in test


def test_bundle_refuses_to_overwrite_without_the_flag(bundle, tmp_path, capsys):
    assert main(["brainscore", "bundle", "--out", str(bundle)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    out = tmp_path / "again"
    write_bundle(out)
    marker = out / "brainscore_vision" / "models" / "neurogrow_blt_cifar10" / "stale.py"
    marker.write_text("")
    with pytest.raises(NeurogrowError, match="exists; pass --overwrite"):
        write_bundle(out)
    write_bundle(out, overwrite=True)
    assert not marker.exists()


@pytest.mark.parametrize("kind, name", PLUGINS, ids=[f"{k}/{n}" for k, n in PLUGINS])
def test_brainscore_plugin_tests_pass_in_the_tree(tree, kind, name):
    for command in brainscore_tree.plugin_test_commands(tree / "brainscore_vision", kind, name):
        done = _run_in(sys.executable, command, tree, [ROOT])
        assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
        assert " passed" in done.stdout and " failed" not in done.stdout
        if "--plugin_directory" in command:  # every generic test ran once per model identifier
            generic = Path(command[command.index("--plugin_directory") - 1]).read_text()
            assert f"{generic.count(chr(10) + 'def test_') * len(MODEL_IDS)} passed" in done.stdout, done.stdout[-2000:]


@pytest.fixture(scope="module")
def report(tree, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("metadata")
    path = scratch / "report.json"
    args = [str(Path(brainscore_tree.__file__)), "check", "--root", str(tree), "--scratch", str(scratch), "--report", str(path)]
    done = _run_in(sys.executable, args, tree, [ROOT])
    assert done.returncode == 0, done.stderr[-5000:]
    return json.loads(path.read_text())


def check_report(report: dict, tree: Path) -> None:
    """What Brain-Score needs of the plugins, from a :func:`brainscore_tree.check` report."""
    assert report["brainscore_vision"].startswith(str(tree))
    assert sorted(report["models"]) == sorted(MODEL_IDS)
    for identifier, model in report["models"].items():
        assert model["identifier"] == identifier and model["visual_degrees"] == 3
        assert "url={https://arxiv.org/abs/2605.25174}" in model["bibtex"]
    assert sorted(report["benchmarks"]) == sorted(BENCHMARK_IDS)
    for identifier, bench in report["benchmarks"].items():
        assert bench["identifier"] == identifier and bench["parent"] == PARENT != identifier
        assert bench["ceiling_ndim"] == 0 and 0.6 < bench["ceiling_item"] < 0.8
        assert "url={" in bench["bibtex"]
    for identifier, score in report["scores"].items():
        assert score["score_ndim"] == score["raw_ndim"] == score["ceiling_ndim"] == score["error_ndim"] == 0
        assert score["error"] is not None and 0 < score["error"] < 1
        assert score["ceiling"] == report["benchmarks"][identifier]["ceiling"]
        assert score["score"] == pytest.approx(min(max(score["raw"] / score["ceiling"], 0), 1), abs=1e-12)
        if identifier in ADAPTIVE_SCORES:
            assert score["raw"] == pytest.approx(ADAPTIVE_SCORES[identifier], abs=1e-9)
    parsed = report["change_parser"]
    assert parsed["modifies_plugins"] and sorted(parsed["new_models"]) == sorted(MODEL_IDS)
    assert sorted(parsed["new_benchmarks"]) == sorted(BENCHMARK_IDS)
    assert {k: sorted(v) for k, v in parsed["changed_plugins"].items() if v} == {
        "models": ["neurogrow_blt_cifar10"], "benchmarks": ["geirhos2021_rt"], "metrics": ["solution_time_rt"],
    }
    model_meta = report["metadata"]["models/neurogrow_blt_cifar10"]
    assert model_meta["generated_errors"] == [] and model_meta["shipped_errors"] == []
    generated = model_meta["generated"]["models"]
    assert sorted(generated) == sorted(MODEL_IDS)
    for identifier, entry in generated.items():
        assert entry["total_parameter_count"] > 0 and entry["runnable"] is True
        shipped = model_meta["shipped"]["models"][identifier]
        for key in ("total_parameter_count", "trainable_parameter_count", "total_layers", "trainable_layers", "model_size_mb"):
            assert shipped[key] == entry[key], (identifier, key)
    bench_meta = report["metadata"]["benchmarks/geirhos2021_rt"]
    assert bench_meta["generated_errors"] == [] and bench_meta["shipped_errors"] == []
    for identifier, entry in bench_meta["generated"]["benchmarks"].items():
        assert entry["stimulus_set"]["num_stimuli"] == 160 and entry["data"]["num_subjects"] == 10
        shipped = bench_meta["shipped"]["benchmarks"][identifier]
        assert shipped["stimulus_set"]["num_stimuli"] == 160 and shipped["data"]["num_subjects"] == 10
        assert shipped["data"]["benchmark_type"] == "behavioral"


def test_every_id_loads_scores_and_generates_metadata_through_brainscore(report, tree):
    check_report(report, tree)


def _score_in(python: str, tree: Path, model: str, benchmark: str, scratch: Path, extra_path=()) -> dict:
    """``brainscore_vision.score`` in a subprocess in the tree (offline data), with its peak memory."""
    path = scratch / f"{model}-{benchmark}.json"
    args = [str(Path(brainscore_tree.__file__)), "score", "--root", str(tree), "--score-model", model, "--benchmark", benchmark,
            "--report", str(path)]
    done = _run_in(python, args, tree, list(extra_path))
    assert done.returncode == 0, done.stderr[-5000:]
    return json.loads(path.read_text())


def test_a_one_step_model_scores_nan_with_the_reason(tree, tmp_path):
    result = _score_in(sys.executable, tree, "neurogrow-blt-cifar10-one-step", BENCHMARK_IDS[1], tmp_path, [ROOT])
    assert result["score"] is None and result["raw"] is None and 0.7 < result["ceiling"] < 0.75
    assert "do not change over the 18 time bins" in result["note"]


def test_brainscores_pixels_model_scores_nan_within_2_gb(tree, tmp_path):
    """A static model: the one-stimulus probe gives NaN before 160 stimuli x 18 time bins are recorded."""
    result = _score_in(sys.executable, tree, "pixels", BENCHMARK_IDS[0], tmp_path, [ROOT])
    assert result["score"] is None and "do not change" in result["note"]
    assert result["max_rss_mb"] < PIXELS_MAX_MB, result


def test_benchmark_and_metric_plugins_import_without_neurogrow(tree):
    """``import brainscore_vision.benchmarks.<plugin>`` where importing neurogrow fails (as in a venv without it)."""
    block = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'neurogrow' or name.startswith('neurogrow.'):\n"
        "            raise ImportError('neurogrow is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import brainscore_vision.benchmarks.geirhos2021_rt, brainscore_vision.metrics.solution_time_rt\n"
        "print(sorted(m for m in sys.modules if m.startswith(('neurogrow', 'torch'))))\n"
    )
    done = _run_in(sys.executable, ["-c", block], tree, [ROOT])
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_the_wheel_alone_runs_the_demo_the_score_and_the_plugins(tmp_path):
    """Build the wheel; a fresh venv with it and brainscore-vision (exact pins); everything outside the checkout."""
    # no PYTHONPATH anywhere: pip must not take this checkout for an installed neurogrow
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NEUROGROW_HUMAN_DATA")}
    env.update(brainscore_tree.ENV)
    source = tmp_path / "source"  # built from a copy, so the checkout gets no build/ or egg-info
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "runs", "demo_results", "data_cache"))
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], check=True, env=env)
    wheel = next(dist.glob("neurogrow-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "-c", str(ROOT / "constraints.txt")]
    subprocess.run([*pip, f"{wheel}[brainscore]", "pytest", "pytest-check"], check=True, env=env, cwd=tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    cli = str(env_dir / "bin" / "neurogrow")

    def in_venv(*args):
        return subprocess.run(list(args), cwd=outside, env=env, capture_output=True, text=True, timeout=1800)

    where = in_venv(python, "-c", "import neurogrow; print(neurogrow.__file__)")
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    demo = in_venv(cli, "compare-rt", "--demo")
    assert demo.returncode == 0 and "spearman" in demo.stdout.lower(), demo.stdout[-3000:] + demo.stderr[-3000:]
    scored = in_venv(cli, "brainscore", "score", "--model", "neurogrow-blt-cifar10-adaptive", "--benchmark", PARENT,
                     "--json", str(outside / "score.json"))
    assert scored.returncode == 0, scored.stderr[-3000:]
    result = json.loads((outside / "score.json").read_text())
    assert result["per_experiment"]["edge"]["raw"] == pytest.approx(ADAPTIVE_SCORES[BENCHMARK_IDS[0]], abs=1e-9)
    bundle = outside / "bundle"
    assert in_venv(cli, "brainscore", "bundle", "--out", str(bundle)).returncode == 0
    root = outside / "tree"
    made = in_venv(python, str(Path(brainscore_tree.__file__)), "make", "--root", str(root), "--bundle", str(bundle))
    assert made.returncode == 0, made.stderr[-3000:]
    for kind, name in PLUGINS:
        for command in brainscore_tree.plugin_test_commands(root / "brainscore_vision", kind, name):
            done = _run_in(python, command, root)
            assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    path = outside / "report.json"
    args = [str(Path(brainscore_tree.__file__)), "check", "--root", str(root), "--scratch", str(outside / "scratch"), "--report", str(path)]
    done = _run_in(python, args, root)
    assert done.returncode == 0, done.stderr[-5000:]
    report = json.loads(path.read_text())
    assert report["neurogrow"].startswith(str(env_dir))
    check_report(report, root)
    pixels = _score_in(python, root, "pixels", BENCHMARK_IDS[0], outside)
    assert pixels["score"] is None and pixels["max_rss_mb"] < PIXELS_MAX_MB
