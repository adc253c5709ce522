"""Representational similarity analysis: model layers x recurrent steps vs human confusion structure.

Built on rsatoolbox (``Dataset``, ``calc_rdm``, ``compare``, ``inference``):

- :mod:`~neurogrow.rsa.confusion`: confusion counts -> class-by-class dissimilarity;
- :mod:`~neurogrow.rsa.human_rdms`: human RDMs from CIFAR-10H counts or Geirhos et al. (2019) trials;
- :mod:`~neurogrow.rsa.model_rdms`: model RDMs per layer x step (and at each image's exit step), model confusions;
- :mod:`~neurogrow.rsa.compare`: comparators, bootstrap CIs and the noise ceiling through rsatoolbox;
- :mod:`~neurogrow.rsa.analysis`: the whole ``neurogrow compare-rsa`` analysis and its output folder;
- :mod:`~neurogrow.rsa.figures`, :mod:`~neurogrow.rsa.report`: heatmaps and ``report.md``.

Importing this package is light: each name loads its module on first use (:mod:`neurogrow.lazy`).
"""
from typing import TYPE_CHECKING

from neurogrow.lazy import exports

_NAMES = {
    "Options": "analysis",
    "Result": "analysis",
    "analyse": "analysis",
    "compare_rsa": "analysis",
    "load_patterns": "analysis",
    "write_outputs": "analysis",
    "COMPARATORS": "compare",
    "Evaluation": "compare",
    "evaluate": "compare",
    "noise_ceiling": "compare",
    "paired_difference": "compare",
    "similarity": "compare",
    "confusion_counts": "confusion",
    "confusion_dissimilarity": "confusion",
    "HumanRDMs": "human_rdms",
    "cifar10h_rdms": "human_rdms",
    "geirhos_rdms": "human_rdms",
    "load_human_rdms": "human_rdms",
    "ModelPatterns": "model_rdms",
    "model_confusion_rdms": "model_rdms",
    "pattern_rdms": "model_rdms",
    "patterns_from_h5": "model_rdms",
    "patterns_from_model": "model_rdms",
}
__getattr__, __dir__ = exports(__name__, _NAMES)

if TYPE_CHECKING:  # pragma: no cover
    from neurogrow.rsa.analysis import Options, Result, analyse, compare_rsa, load_patterns, write_outputs
    from neurogrow.rsa.compare import COMPARATORS, Evaluation, evaluate, noise_ceiling, paired_difference, similarity
    from neurogrow.rsa.confusion import confusion_counts, confusion_dissimilarity
    from neurogrow.rsa.human_rdms import HumanRDMs, cifar10h_rdms, geirhos_rdms, load_human_rdms
    from neurogrow.rsa.model_rdms import (
        ModelPatterns,
        model_confusion_rdms,
        pattern_rdms,
        patterns_from_h5,
        patterns_from_model,
    )

__all__ = [
    "COMPARATORS",
    "Evaluation",
    "HumanRDMs",
    "ModelPatterns",
    "Options",
    "Result",
    "analyse",
    "cifar10h_rdms",
    "compare_rsa",
    "confusion_counts",
    "confusion_dissimilarity",
    "evaluate",
    "geirhos_rdms",
    "load_human_rdms",
    "load_patterns",
    "model_confusion_rdms",
    "noise_ceiling",
    "paired_difference",
    "pattern_rdms",
    "patterns_from_h5",
    "patterns_from_model",
    "similarity",
    "write_outputs",
]
