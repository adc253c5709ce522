"""Brain-Score integration: neurogrow models as Brain-Score models, and a reaction-time benchmark.

Needs the ``brainscore`` extra (``pip install neurogrow[brainscore]``). Importing this package
changes no environment variable; ``neurogrow brainscore``, the Makefile and the tests set
``BS_INSTALL_DEPENDENCIES=no`` and ``RESULTCACHING_DISABLE=1`` where they run Brain-Score offline.

- :func:`brain_model`: the ``BrainModel`` of any neurogrow model (shipped name or model file);
- :func:`load_model`, :func:`load_benchmark`, :func:`score`: by identifier
  (:func:`model_ids`, :func:`benchmark_ids`);
- plugins in Brain-Score's layout: ``models/neurogrow_blt_cifar10``,
  ``benchmarks/geirhos2021_rt`` and ``metrics/solution_time_rt``;
  :func:`neurogrow.brainscore.bundle.write_bundle` writes them as they go into brain-score/vision;
- :mod:`neurogrow.brainscore.standin`: Brain-Score's ``Geirhos2021_edge`` / ``_silhouette`` data,
  built offline from the shipped trials (for the tests and ``neurogrow brainscore score``).

See ``docs/brainscore.md``.
"""
import warnings

with warnings.catch_warnings():  # brainscore_core's Score class warns about xarray __slots__ on import
    warnings.filterwarnings("ignore", message=".*should explicitly define __slots__", category=FutureWarning)
    import brainscore_vision  # noqa: F401

from neurogrow.brainscore.registry import (
    benchmark_ids,
    brain_model,
    group_ids,
    load_benchmark,
    load_model,
    model_identifier,
    model_ids,
    score,
    score_candidate,
)

__all__ = ["benchmark_ids", "brain_model", "group_ids", "load_benchmark", "load_model", "model_identifier", "model_ids", "score", "score_candidate"]
