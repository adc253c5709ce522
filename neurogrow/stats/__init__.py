"""Statistics for comparing model halting times with human reaction times.

One module per concept, in the style of rsatoolbox:

- :mod:`~neurogrow.stats.ranks`: mid-ranks, also in weighted (resampled) samples;
- :mod:`~neurogrow.stats.correlation`: Spearman/Pearson, bootstrap distributions, permutation p;
- :mod:`~neurogrow.stats.bootstrap`: resampling as multinomial counts, one and two levels;
- :mod:`~neurogrow.stats.aggregate`: per-image measures from trials for any subject weighting;
- :mod:`~neurogrow.stats.noise_ceiling`: split-half reliability with Spearman-Brown correction;
- :mod:`~neurogrow.stats.partial`: partial Spearman controlling category;
- :mod:`~neurogrow.stats.mixed`: the per-trial mixed models: crossed subject and image random
  intercepts (``fit_crossed``, this package's own REML from sufficient statistics, tested to agree
  with statsmodels MixedLM) and the subject-only model (``fit_mixed``, statsmodels MixedLM).
"""
from neurogrow.stats.aggregate import TrialTable
from neurogrow.stats.bootstrap import image_bootstrap, multinomial_counts, percentile_ci, two_level_bootstrap
from neurogrow.stats.correlation import (
    bootstrap_correlation,
    pearson,
    permutation_pvalue,
    spearman,
    weighted_correlation,
)
from neurogrow.stats.mixed import fit_mixed
from neurogrow.stats.noise_ceiling import (
    NoiseCeiling,
    ceiling_from_halves,
    counts_measure,
    spearman_brown,
    split_half_counts,
    split_half_trials,
    subject_splits,
)
from neurogrow.stats.partial import bootstrap_partial, partial_permutation_pvalue, partial_spearman, residualize
from neurogrow.stats.ranks import midranks, weighted_midranks

__all__ = [
    "NoiseCeiling",
    "TrialTable",
    "bootstrap_correlation",
    "bootstrap_partial",
    "ceiling_from_halves",
    "counts_measure",
    "fit_mixed",
    "image_bootstrap",
    "midranks",
    "multinomial_counts",
    "partial_permutation_pvalue",
    "partial_spearman",
    "pearson",
    "percentile_ci",
    "permutation_pvalue",
    "residualize",
    "spearman",
    "spearman_brown",
    "split_half_counts",
    "split_half_trials",
    "subject_splits",
    "two_level_bootstrap",
    "weighted_correlation",
    "weighted_midranks",
]
