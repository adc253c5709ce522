"""The :class:`HumanData` container shared by all human-data loaders."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Columns of :attr:`HumanData.trials`.
TRIAL_COLUMNS = ["subject", "stimulus", "rt", "responded", "correct", "category", "response"]
#: Columns of :attr:`HumanData.images` (per-image data, counts format only).
IMAGE_COLUMNS = ["stimulus", "category", "n_responses", "accuracy", "entropy"]


@dataclass
class HumanData:
    """Human behaviour on a set of stimuli, per trial or per image.

    Per-trial formats (``geirhos2019``, ``long_csv``, ``cifar10h_trials``) fill :attr:`trials`, one
    row per trial with columns ``subject`` (str), ``stimulus`` (str: the file name without folders,
    or the CIFAR-10 test-set index as text), ``rt`` (float seconds; NaN when there was no
    response), ``responded`` (bool), ``correct`` (nullable boolean; <NA> when unknown or no
    response), ``category`` (str or None: the true class of the stimulus) and ``response`` (str
    or None: the answer given, where the format records it; None on a trial without response).
    The analyses read every trial column from here (RT analysis, RSA confusions, Brain-Score),
    never the files again.

    The counts format (``cifar10h_counts``) has no subjects and no RTs: :attr:`images` holds one
    row per image with ``stimulus``, ``category`` (reference class), ``n_responses``,
    ``accuracy`` (share of responses equal to the reference class) and ``entropy`` (bits of the
    response distribution); :attr:`counts` is the (N, K) count matrix and :attr:`reference` the
    reference class index per image.
    """

    format: str
    source: str
    trials: pd.DataFrame | None = None
    images: pd.DataFrame | None = None
    counts: np.ndarray | None = field(default=None, repr=False)
    reference: np.ndarray | None = field(default=None, repr=False)
    #: Counts format: :attr:`reference` is each image's plurality response (no true labels were given).
    reference_is_plurality: bool = False
    class_names: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    #: What :func:`neurogrow.human.validate.check_trial_rts` found and excluded (per-trial formats).
    rt_checks: dict | None = None

    @property
    def has_trials(self) -> bool:
        """Whether per-trial data (subjects, RTs) are available."""
        return self.trials is not None

    @property
    def stimuli(self) -> list[str]:
        """Unique stimulus keys, sorted."""
        if self.trials is not None:
            return sorted(self.trials["stimulus"].unique())
        assert self.images is not None
        return list(self.images["stimulus"])

    @property
    def subjects(self) -> list[str]:
        """Unique subjects, sorted (empty for counts data)."""
        if self.trials is None:
            return []
        return sorted(self.trials["subject"].unique())

    @property
    def has_categories(self) -> bool:
        table = self.trials if self.trials is not None else self.images
        return table is not None and table["category"].notna().all() and table["category"].nunique() > 1

    def summary(self) -> str:
        """One line describing the data."""
        if self.trials is not None:
            t = self.trials
            return (
                f"{self.format}: {t['subject'].nunique()} subjects, {t['stimulus'].nunique()} stimuli, "
                f"{len(t)} trials ({int((~t['responded']).sum())} without response)"
            )
        assert self.images is not None
        return f"{self.format}: {len(self.images)} images, {int(self.images['n_responses'].sum())} responses"
