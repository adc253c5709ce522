"""Identifiers of the neurogrow Brain-Score plugins, loading models and benchmarks, scoring.

The plugins live in ``neurogrow/brainscore/{models,benchmarks,data,metrics}/<plugin>/`` in
Brain-Score's layout: each ``__init__.py`` registers its identifiers in
``brainscore_vision.model_registry`` / ``benchmark_registry`` / ``data_registry`` /
``metric_registry`` with lines ``model_registry['<identifier>'] = ...``. As Brain-Score does, an
identifier is located by reading those lines, and only that plugin is imported. Before a
benchmark is built, the data and metric plugins are imported, so the benchmark finds its dataset
and metric in Brain-Score's registries (inside brainscore_vision, ``load_dataset`` /
``load_metric`` find them instead).

A group name (a benchmark's ``parent``, e.g. ``Geirhos2019-rt``) is scored here as the mean of its
benchmarks' scores, as Brain-Score's leaderboard aggregates a parent.
"""
from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path

from neurogrow.errors import NeurogrowError

__all__ = [
    "benchmark_ids",
    "brain_model",
    "group_ids",
    "load_benchmark",
    "load_model",
    "model_identifier",
    "model_ids",
    "score",
    "score_candidate",
]

PLUGIN_ROOT = Path(__file__).resolve().parent
_KINDS = {
    "models": "model_registry",
    "benchmarks": "benchmark_registry",
    "metrics": "metric_registry",
}
_EDGE, _SILHOUETTE = "Geirhos2021edge-solution_time_rt", "Geirhos2021silhouette-solution_time_rt"
#: Group name -> its benchmarks (each a registered identifier).
GROUPS = {"Geirhos2021-solution_time_rt": (_EDGE, _SILHOUETTE)}
#: Benchmark identifiers of earlier neurogrow versions -> what replaced them (CHANGELOG.md).
RENAMED = {
    "Geirhos2019-rt_temporal": "Geirhos2021-solution_time_rt",
    "Geirhos2019edge-rt_temporal": _EDGE,
    "Geirhos2019silhouette-rt_temporal": _SILHOUETTE,
    "Geirhos2019-rt": "Geirhos2021-solution_time_rt",
    "Geirhos2019edge-rt": _EDGE,
    "Geirhos2019silhouette-rt": _SILHOUETTE,
}


@cache
def _registrations(kind: str) -> dict[str, str]:
    """identifier -> plugin folder, for ``models`` or ``benchmarks``."""
    pattern = re.compile(rf"^{_KINDS[kind]}\[['\"]([^'\"]+)['\"]\]", re.MULTILINE)
    found: dict[str, str] = {}
    for init in sorted((PLUGIN_ROOT / kind).glob("*/__init__.py")):
        for identifier in pattern.findall(init.read_text(encoding="utf-8")):
            found[identifier] = init.parent.name
    return found


def model_ids() -> list[str]:
    """Identifiers of the registered neurogrow models."""
    return list(_registrations("models"))


def benchmark_ids() -> list[str]:
    """Identifiers of the registered neurogrow benchmarks."""
    return list(_registrations("benchmarks"))


def group_ids() -> list[str]:
    """Group names (benchmark parents) that :func:`score` accepts: scored as the mean of their benchmarks."""
    return list(GROUPS)


def model_identifier(name: str) -> str:
    """Brain-Score identifier of a neurogrow model name: ``blt-cifar10-adaptive`` -> ``neurogrow-blt-cifar10-adaptive``."""
    return name if name.startswith("neurogrow-") else f"neurogrow-{name}"


def brain_model(name_or_path, identifier: str | None = None, device: str = "cpu"):
    """A :class:`~neurogrow.brainscore.brain_model.NeurogrowBrainModel` of any neurogrow model.

    Parameters
    ----------
    name_or_path
        A shipped model name, a ``model.pt``/``checkpoint.pt`` file or a run directory.
    identifier
        Brain-Score identifier (default: ``neurogrow-<model name>``).
    device
        Where to run the model.
    """
    from neurogrow.brainscore.brain_model import NeurogrowBrainModel
    from neurogrow.zoo import load_model as load_neurogrow_model

    model = load_neurogrow_model(name_or_path, device=device)
    return NeurogrowBrainModel(model, identifier or model_identifier(model.name))


def _plugin(kind: str, identifier: str):
    registrations = _registrations(kind)
    if identifier not in registrations:
        return None
    importlib.import_module(f"neurogrow.brainscore.{kind}.{registrations[identifier]}")
    import brainscore_vision

    return getattr(brainscore_vision, _KINDS[kind])[identifier]


def _import_dependencies() -> None:
    """Import the metric plugins and register the offline data stand-ins, so that benchmarks find them in Brain-Score's registries."""
    from neurogrow.brainscore.standin import register

    for plugin in sorted(set(_registrations("metrics").values())):
        importlib.import_module(f"neurogrow.brainscore.metrics.{plugin}")
    register()


def load_model(identifier: str):
    """A registered model by identifier, or a neurogrow model file / run directory given as a path."""
    factory = _plugin("models", identifier)
    if factory is not None:
        return factory()
    if Path(identifier).exists():
        return brain_model(identifier)
    raise NeurogrowError(
        f"unknown model {identifier!r}; expected one of {', '.join(model_ids())} or a neurogrow model file"
    )


def _unknown_benchmark(identifier: str) -> NeurogrowError:
    if identifier in RENAMED:
        return NeurogrowError(
            f"benchmark {identifier!r} was renamed to {RENAMED[identifier]!r} (Brain-Score's Geirhos2021 data, "
            "`<data>-<metric>` identifiers; see CHANGELOG.md)"
        )
    return NeurogrowError(f"unknown benchmark {identifier!r}; expected one of {', '.join(benchmark_ids() + group_ids())}")


def load_benchmark(identifier: str):
    """A registered benchmark by identifier (its data: the offline stand-ins of :mod:`neurogrow.brainscore.standin`)."""
    _import_dependencies()
    factory = _plugin("benchmarks", identifier)
    if factory is None:
        raise _unknown_benchmark(identifier)
    return factory()


def _group_score(group: str, scores: list):
    """The mean of the member scores, with per-member raw, ceiling, score and error in ``attrs``."""
    import numpy as np
    import pandas as pd
    from brainscore_core.metrics import Score

    members = list(GROUPS[group])
    result = Score(float(np.mean([float(s) for s in scores])))
    result.attrs["members"] = dict(zip(members, scores))
    per_image = [s.attrs["per_image"] for s in scores if "per_image" in s.attrs]  # none for a model scored NaN by the probe
    if per_image:
        result.attrs["per_image"] = pd.concat(per_image, ignore_index=True)
    notes = list(dict.fromkeys(s.attrs["note"] for s in scores if "note" in s.attrs))
    if notes:
        result.attrs["note"] = "; ".join(notes)
    return result


def _benchmarks(benchmark: str) -> list:
    return [load_benchmark(b) for b in GROUPS.get(benchmark, (benchmark,))]


def _score(candidate, benchmark: str, benches: list):
    scores = [bench(candidate) for bench in benches]
    result = _group_score(benchmark, scores) if benchmark in GROUPS else scores[0]
    result.attrs["model_identifier"] = candidate.identifier
    result.attrs["benchmark_identifier"] = benchmark
    return result


def score_candidate(candidate, benchmark: str):
    """Score a loaded BrainModel on a benchmark or a group (see :func:`score`)."""
    return _score(candidate, benchmark, _benchmarks(benchmark))


def score(model: str, benchmark: str):
    """Score a model on a benchmark or a group (both by identifier) and return the ceiled Brain-Score ``Score``.

    A group's score is the mean of its benchmarks' scores (``attrs['members']`` holds each).
    """
    benches = _benchmarks(benchmark)  # checks the identifiers before the model is loaded
    return _score(load_model(model), benchmark, benches)
