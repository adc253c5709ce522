"""Class-by-class dissimilarity from confusions (human responses or model predictions).

Our choice, used for humans and for the model alike: with ``C[i, j]`` the number of responses
``j`` to stimuli of true class ``i``, the row-normalised confusion probability is
``P[i, j] = C[i, j] / sum_j C[i, j]`` and the dissimilarity of classes ``i != j`` is

    D[i, j] = 1 - (P[i, j] + P[j, i]) / 2,

one minus the symmetrised probability of confusing the two classes (zero on the diagonal).
Classes that are never confused are maximally dissimilar (1); rank-based comparators
(Spearman) only see the order of the confusion probabilities.
"""
from __future__ import annotations

import numpy as np

from neurogrow.errors import DataError

#: The ``dissimilarity_measure`` of confusion RDMs (rsatoolbox RDMs attribute).
CONFUSION_MEASURE = "1 - symmetrised confusion probability"


def confusion_counts(true: np.ndarray, response: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion counts ``C[i, j]``: how often class ``j`` was answered to a stimulus of class ``i``.

    Parameters
    ----------
    true, response : array of int, shape (N,)
        True class and response per trial, indices in ``0..n_classes-1``.
    n_classes : int
        K.

    Returns
    -------
    np.ndarray
        (K, K) integer counts.
    """
    true = np.asarray(true, dtype=np.intp)
    response = np.asarray(response, dtype=np.intp)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (true, response), 1)
    return counts


def confusion_dissimilarity(counts: np.ndarray, class_names: list[str], what: str = "confusions") -> np.ndarray:
    """Dissimilarity ``1 - (P + P.T) / 2`` of (K, K) confusion counts, zero diagonal.

    Parameters
    ----------
    counts : np.ndarray
        (K, K) counts, rows = true class, columns = response.
    class_names : list of str
        K names, for the error message.
    what : str
        What the counts are (e.g. ``"subject-03's responses"``), for the error message.

    Returns
    -------
    np.ndarray
        (K, K) symmetric dissimilarity matrix.

    Raises
    ------
    DataError
        If a class has no responses (its row of ``P`` is undefined).
    """
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=1)
    empty = np.flatnonzero(totals <= 0)
    if empty.size:
        raise DataError(
            f"{what}: class {class_names[empty[0]]!r} has no responses; expected at least one response per class "
            "to estimate its confusions"
        )
    p = counts / totals[:, None]
    d = 1.0 - (p + p.T) / 2.0
    np.fill_diagonal(d, 0.0)
    return d


def confusion_rdms(counts: np.ndarray, class_names: list[str], rdm_descriptors: dict, what: list[str]):
    """rsatoolbox RDMs from a stack of confusion counts, patterns sorted by class name.

    Parameters
    ----------
    counts : np.ndarray
        (R, K, K) counts, one confusion matrix per RDM.
    class_names : list of str
        The K classes (pattern descriptor ``class``).
    rdm_descriptors : dict
        rsatoolbox rdm descriptors, each a list of R values.
    what : list of str
        R descriptions for error messages (see :func:`confusion_dissimilarity`).

    Returns
    -------
    rsatoolbox.rdm.RDMs
        R RDMs with ``dissimilarity_measure`` :data:`CONFUSION_MEASURE`.
    """
    from rsatoolbox.rdm import RDMs

    mats = np.stack([confusion_dissimilarity(c, class_names, w) for c, w in zip(counts, what)])
    rdms = RDMs(
        mats,
        dissimilarity_measure=CONFUSION_MEASURE,
        rdm_descriptors={k: list(v) for k, v in rdm_descriptors.items()},
        pattern_descriptors={"class": list(class_names)},
    )
    rdms.sort_by(**{"class": "alpha"})  # type: ignore[arg-type]  # rsatoolbox types **kwargs as bool
    return rdms
