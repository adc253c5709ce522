"""A brainscore_vision tree holding neurogrow's bundled plugins, and Brain-Score's own checks run in it.

Used by ``tests/test_brainscore_plugins.py`` (with the project venv) and by its slow wheel test
(with a fresh venv that has only the neurogrow wheel and brainscore-vision). Nothing here imports
neurogrow at module level: run as a script (``python brainscore_tree.py check ...``) by the
interpreter under test, it sees only what that interpreter has installed. Offline, Brain-Score's
``Geirhos2021_edge`` / ``_silhouette`` data are neurogrow's stand-ins
(:mod:`neurogrow.brainscore.standin`): ``check`` registers them, and the benchmark plugin's
``test.py`` runs with ``-p neurogrow.brainscore.standin``.

:func:`make_tree` builds ``ROOT/brainscore_vision/``: every entry of the installed brainscore_vision
package linked in, plus real ``models/``, ``benchmarks/``, ``data/``, ``metrics/`` and
``model_helpers/`` folders whose entries are links to the installed ones and copies of the bundled
plugin folders, and Brain-Score's generic test images (vendored in ``tests/data/brainscore_generic``,
which the brainscore-vision wheel lacks). With ``ROOT`` first on ``sys.path``, ``import
brainscore_vision`` finds the tree, and Brain-Score's plugin lookup (which lists the folders next
to ``brainscore_vision/__init__.py``) finds the bundled plugins as if they were part of it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

KINDS = ("models", "benchmarks", "data", "metrics")
GENERIC_IMAGES = Path(__file__).resolve().parent / "data" / "brainscore_generic"
#: Environment of every command run in a tree: offline, no dependency installs, no result cache.
ENV = {"BS_INSTALL_DEPENDENCIES": "no", "RESULTCACHING_DISABLE": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def installed_brainscore_vision(python: str) -> Path:
    """The brainscore_vision package folder of ``python``'s environment."""
    out = subprocess.run(
        [python, "-c", "import brainscore_vision, pathlib; print(pathlib.Path(brainscore_vision.__file__).parent)"],
        check=True, capture_output=True, text=True, env={**os.environ, **ENV},
    )
    return Path(out.stdout.strip().splitlines()[-1])


def make_tree(root: Path, installed: Path, bundle: Path) -> Path:
    """``root/brainscore_vision``: the installed package with the bundle's plugin folders added; returns it."""
    tree = root / "brainscore_vision"
    tree.mkdir(parents=True)
    real = set(KINDS) | {"model_helpers"}
    for entry in installed.iterdir():
        if entry.name not in real and entry.name != "__pycache__":
            (tree / entry.name).symlink_to(entry)
    for name in real:
        (tree / name).mkdir()
        for entry in (installed / name).iterdir():
            if entry.name != "__pycache__":
                (tree / name / entry.name).symlink_to(entry)
    resources = tree / "model_helpers" / "generic_plugin_tests_resources"
    if not resources.exists():
        shutil.copytree(GENERIC_IMAGES, resources)
    for kind in KINDS:
        if not (bundle / "brainscore_vision" / kind).is_dir():
            continue
        for plugin in sorted((bundle / "brainscore_vision" / kind).iterdir()):
            shutil.copytree(plugin, tree / kind / plugin.name)
    return tree


def run(python: str, args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``python args`` in ``cwd`` (the tree's root first on the path), offline; output captured."""
    env = {**os.environ, **ENV, "PYTHONPATH": str(cwd)}
    env.pop("NEUROGROW_HUMAN_DATA", None)
    return subprocess.run([python, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


#: pytest option registering the offline stand-ins of Brain-Score's Geirhos2021 data (benchmark tests only).
STANDIN = ["-p", "neurogrow.brainscore.standin"]


def plugin_test_commands(tree: Path, kind: str, plugin: str) -> list[list[str]]:
    """The pytest runs of Brain-Score's ``test_plugin.sh`` (minus its conda environment), from the tree's root.

    For a model plugin, first the generic model tests (``model_helpers/generic_plugin_tests.py
    --plugin_directory``), then the plugin's own ``test.py``; both with ``-m "not slow"``. A benchmark's
    ``test.py`` runs with :data:`STANDIN` (offline data); the metric's and the model's without.
    """
    folder = tree / kind / plugin
    commands = []
    generic = tree / f"{kind.rstrip('s')}_helpers" / "generic_plugin_tests.py"
    if generic.exists():
        commands.append(["-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider", str(generic), "--plugin_directory", str(folder)])
    extra = STANDIN if kind == "benchmarks" else []
    commands.append(["-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider", *extra, str(folder / "test.py")])
    return commands


# --------------------------------------------------------------------------- run inside the tree
def _registered(folder: Path, registry: str) -> list[str]:
    import re

    pattern = re.compile(rf"^{registry}\[['\"]([^'\"]+)['\"]\]", re.MULTILINE)
    return pattern.findall((folder / "__init__.py").read_text(encoding="utf-8"))


def _generate_metadata(folder: Path, kind: str, scratch: Path) -> dict:
    """Brain-Score's metadata generator on a copy of the plugin folder without metadata.yml."""
    import yaml
    from brainscore_core.plugin_management.generate_benchmark_metadata import BenchmarkMetadataGenerator
    from brainscore_core.plugin_management.generate_model_metadata import ModelMetadataGenerator
    from brainscore_core.plugin_management.handle_metadata import validate_metadata_file
    from brainscore_vision.plugin_management import VisionDomainPlugin

    copy = scratch / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("metadata.yml", "metadata.yaml", "__pycache__"))
    if kind == "models":
        generator = ModelMetadataGenerator(str(copy), VisionDomainPlugin())
        paths = generator(generator.find_registered_models(str(copy)))
    else:
        generator = BenchmarkMetadataGenerator(str(copy), VisionDomainPlugin(benchmark_type="behavioral"))
        paths = generator(generator.find_registered_benchmarks(str(copy)))
    if len(paths) != 1:
        return {"error": f"the generator wrote {paths}"}
    generated = yaml.safe_load(Path(paths[0]).read_text())
    shipped = folder / "metadata.yml"
    errors, _ = validate_metadata_file(str(shipped)) if shipped.exists() else (["no metadata.yml"], None)
    return {
        "generated": generated,
        "generated_errors": validate_metadata_file(paths[0])[0],
        "shipped": yaml.safe_load(shipped.read_text()) if shipped.exists() else None,
        "shipped_errors": errors,
    }


def _change_parser(tree: Path) -> dict:
    """What Brain-Score's CI makes of a pull request that adds the bundled plugin folders."""
    from brainscore_core.plugin_management.parse_plugin_changes import get_plugin_ids, parse_plugin_changes

    files = [
        f"brainscore_vision/{kind}/{folder.name}/{path.relative_to(folder)}"
        for kind in KINDS
        for folder in sorted((tree / kind).iterdir())
        if folder.is_dir() and not folder.is_symlink()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    cwd = os.getcwd()
    os.chdir(tree.parent)  # Brain-Score's CI runs it from the repository root, with paths relative to it
    try:
        info = parse_plugin_changes(" ".join(files), "brainscore_vision")
        for kind in ("models", "benchmarks"):
            info[f"new_{kind}"] = get_plugin_ids(kind, info["changed_plugins"][kind], "brainscore_vision")
    finally:
        os.chdir(cwd)
    return info


def check(tree: Path, score_model: str, scratch: Path) -> dict:
    """Brain-Score's loaders, scoring and metadata generation on every bundled plugin; a JSON-able report."""
    import math

    import brainscore_vision

    report: dict = {"brainscore_vision": brainscore_vision.__file__, "models": {}, "benchmarks": {}, "scores": {}}
    import neurogrow
    from neurogrow.brainscore.standin import register

    report["neurogrow"] = neurogrow.__file__
    register()
    models = [i for p in sorted((tree / "models").iterdir()) if p.is_dir() and not p.is_symlink() for i in _registered(p, "model_registry")]
    benchmarks = [i for p in sorted((tree / "benchmarks").iterdir()) if p.is_dir() and not p.is_symlink() for i in _registered(p, "benchmark_registry")]
    for identifier in models:
        model = brainscore_vision.load_model(identifier)
        report["models"][identifier] = {
            "identifier": model.identifier,
            "visual_degrees": model.visual_degrees(),
            "bibtex": brainscore_vision.load_model_bibtex(identifier),
        }
    for identifier in benchmarks:
        bench = brainscore_vision.load_benchmark(identifier)
        ceiling = bench.ceiling
        report["benchmarks"][identifier] = {
            "identifier": bench.identifier,
            "parent": bench.parent,
            "ceiling": float(ceiling),
            "ceiling_ndim": int(ceiling.ndim),
            "ceiling_item": ceiling.item(),  # what Brain-Score's score storage calls
            "bibtex": bench.bibtex,
        }
    for identifier in benchmarks:
        score = brainscore_vision.score(score_model, identifier)
        raw, ceiling = score.attrs["raw"], score.attrs["ceiling"]
        value = float(score)
        error = score.attrs["error"]
        report["scores"][identifier] = {
            "model": score_model,
            "score": None if math.isnan(value) else value,
            "score_ndim": int(score.ndim),
            "raw": float(raw),
            "raw_ndim": int(raw.ndim),
            "ceiling": ceiling.item(),
            "ceiling_ndim": int(ceiling.ndim),
            "error": None if math.isnan(float(error)) else float(error),
            "error_ndim": int(error.ndim),
        }
    report["change_parser"] = _change_parser(tree)
    report["metadata"] = {}
    for kind in ("models", "benchmarks"):
        for folder in sorted((tree / kind).iterdir()):
            if folder.is_dir() and not folder.is_symlink():
                report["metadata"][f"{kind}/{folder.name}"] = _generate_metadata(folder, kind, scratch)
    return report


def score_one(model: str, benchmark: str) -> dict:
    """``brainscore_vision.score(model, benchmark)`` on the offline data, with this process's peak memory (max RSS)."""
    import math
    import resource

    import brainscore_vision

    from neurogrow.brainscore.standin import register

    register()
    score = brainscore_vision.score(model, benchmark)
    value = float(score)
    return {
        "model": model, "benchmark": benchmark, "score": None if math.isnan(value) else value,
        "raw": None if math.isnan(float(score.attrs["raw"])) else float(score.attrs["raw"]),
        "ceiling": float(score.attrs["ceiling"]), "note": score.attrs.get("note"),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="checks inside a brainscore_vision tree with neurogrow's plugins")
    ap.add_argument("action", choices=["make", "check", "score"])
    ap.add_argument("--root", required=True, help="folder holding (or to hold) brainscore_vision/")
    ap.add_argument("--bundle", help="make: the folder written by `neurogrow brainscore bundle --out`")
    ap.add_argument("--score-model", default="neurogrow-blt-cifar10-adaptive")
    ap.add_argument("--benchmark", help="score: the benchmark identifier")
    ap.add_argument("--scratch", help="check: a folder for the metadata generator's copies")
    ap.add_argument("--report", help="check: write the JSON report here")
    args = ap.parse_args(argv)
    root = Path(args.root)
    if args.action == "make":
        make_tree(root, installed_brainscore_vision(sys.executable), Path(args.bundle))
        return 0
    import brainscore_vision

    tree = Path(brainscore_vision.__file__).parent
    if tree != root / "brainscore_vision":
        print(f"brainscore_vision imported from {tree}, not from the tree {root / 'brainscore_vision'}", file=sys.stderr)
        return 1
    if args.action == "score":
        Path(args.report).write_text(json.dumps(score_one(args.score_model, args.benchmark), indent=1))
        return 0
    Path(args.scratch).mkdir(parents=True, exist_ok=True)
    report = check(tree, args.score_model, Path(args.scratch))
    Path(args.report).write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
