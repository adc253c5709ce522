"""Identifiers of the neurogrow Brain-Score plugins, loading models and benchmarks, scoring.

The plugins live in ``neurogrow/brainscore/models/<plugin>/`` and
``neurogrow/brainscore/benchmarks/<plugin>/`` in Brain-Score's layout: each ``__init__.py``
registers its identifiers in ``brainscore_vision.model_registry`` / ``benchmark_registry`` with
lines ``model_registry['<identifier>'] = ...``. As Brain-Score does, an identifier is located
by reading those lines, and only that plugin is imported.
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
    "load_benchmark",
    "load_model",
    "model_identifier",
    "model_ids",
    "score",
]

PLUGIN_ROOT = Path(__file__).resolve().parent
_KINDS = {"models": "model_registry", "benchmarks": "benchmark_registry"}


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


def load_benchmark(identifier: str):
    """A registered benchmark by identifier."""
    factory = _plugin("benchmarks", identifier)
    if factory is None:
        raise NeurogrowError(f"unknown benchmark {identifier!r}; expected one of {', '.join(benchmark_ids())}")
    return factory()


def score(model: str, benchmark: str):
    """Score a model on a benchmark (both by identifier) and return the ceiled Brain-Score ``Score``."""
    if benchmark not in _registrations("benchmarks"):
        raise NeurogrowError(f"unknown benchmark {benchmark!r}; expected one of {', '.join(benchmark_ids())}")
    candidate = load_model(model)
    bench = load_benchmark(benchmark)
    result = bench(candidate)
    result.attrs["model_identifier"] = candidate.identifier
    result.attrs["benchmark_identifier"] = bench.identifier
    return result
