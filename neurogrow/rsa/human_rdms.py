"""Human class-by-class RDMs from response confusions (CIFAR-10H counts, Geirhos et al. 2019 trials).

Each human RDM is a confusion RDM (:mod:`neurogrow.rsa.confusion`): ``1 - (P + P.T) / 2`` of the
row-normalised confusion probabilities.  Besides the pooled RDM (all responses), the data are split
into several RDMs so that rsatoolbox can estimate a noise ceiling and bootstrap over them:

- **Geirhos et al. (2019)**: one RDM per subject (16 x 16; 160 trials per subject, trials without a
  response dropped).  A subject with no response at all to some category, or without a single
  confusion (a constant RDM), is left out (with a note).
- **CIFAR-10H counts**: the counts have no annotator identities, so each image's responses are
  split at random into ``n_splits`` equal groups ("response splits"; each group holds about 1/n of
  every image's ~51 responses), one 10 x 10 RDM per group.  True classes are the CIFAR-10 test
  labels, never the plurality response.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neurogrow.errors import DataError
from neurogrow.rsa.confusion import confusion_counts, confusion_rdms

if TYPE_CHECKING:
    from rsatoolbox.rdm import RDMs

__all__ = ["HumanRDMs", "cifar10h_rdms", "geirhos_rdms", "load_human_rdms", "split_counts"]


@dataclass
class HumanRDMs:
    """Human RDMs over classes.

    Attributes
    ----------
    rdms
        rsatoolbox ``RDMs``: one RDM per subject (or response split), rdm descriptor ``subject``,
        pattern descriptor ``class`` (sorted by name).  The comparisons and the noise ceiling use these.
    pooled
        One RDM from all responses (rdm descriptor ``subject = "pooled"``).
    format
        ``geirhos2019`` or ``cifar10h_counts``.
    source
        The input path.
    unit
        ``"subject"`` or ``"response split"``: what one RDM of :attr:`rdms` stands for.
    n_stimuli, n_responses
        Stimuli and responses behind the pooled RDM.
    stimulus_class
        True class of each human stimulus, keyed by stimulus (Geirhos: file name, e.g. ``oven10.png``;
        CIFAR-10H: the test-set index as text).
    """

    rdms: RDMs
    pooled: RDMs
    format: str
    source: str
    unit: str
    n_stimuli: int
    n_responses: int
    stimulus_class: dict[str, str]
    notes: list[str] = field(default_factory=list)

    @property
    def class_names(self) -> list[str]:
        """The classes of the RDMs, in pattern order (sorted)."""
        return [str(c) for c in self.rdms.pattern_descriptors["class"]]

    @property
    def n_rdms(self) -> int:
        return int(self.rdms.n_rdm)


def split_counts(counts: np.ndarray, n_splits: int, rng: np.random.Generator) -> np.ndarray:
    """Split each row's responses at random into ``n_splits`` groups of (nearly) equal size.

    Parameters
    ----------
    counts : np.ndarray
        (N, K) integer counts.
    n_splits : int
        Number of groups.
    rng : np.random.Generator
        Random stream.

    Returns
    -------
    np.ndarray
        (n_splits, N, K) counts summing to ``counts`` over the first axis.
    """
    n, k = counts.shape
    flat = counts.ravel()
    image = np.repeat(np.repeat(np.arange(n), k), flat)  # one entry per response
    choice = np.repeat(np.tile(np.arange(k), n), flat)
    order = np.lexsort((rng.random(image.size), image))  # responses of each image in random order
    start = np.concatenate([[0], np.cumsum(counts.sum(axis=1))[:-1]])
    group = np.empty(image.size, dtype=np.intp)
    group[order] = (np.arange(image.size) - start[image[order]]) % n_splits
    out = np.zeros((n_splits, n, k), dtype=np.int64)
    np.add.at(out, (group, image, choice), 1)
    return out


def cifar10h_rdms(
    counts: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    n_splits: int = 10,
    seed: int = 0,
    source: str = "cifar10h-counts.npy",
) -> HumanRDMs:
    """Human RDMs from CIFAR-10H label counts.

    Parameters
    ----------
    counts : np.ndarray
        (N, K) how many people chose each class for each image.
    labels : np.ndarray
        (N,) true class index of each image (the CIFAR-10 test labels).
    class_names : list of str
        The K class names.
    n_splits : int
        Number of random response splits (>= 2) for the per-group RDMs.
    seed : int
        Seed of the split.
    source : str
        The counts file, for messages.

    Returns
    -------
    HumanRDMs
    """
    counts = np.asarray(counts)
    labels = np.asarray(labels)
    n, k = counts.shape
    if n_splits < 2:
        raise DataError(f"--n-splits {n_splits}: expected at least 2 response splits for the noise ceiling")
    if labels.shape != (n,):
        raise DataError(f"{source}: {n} images but {labels.shape[0]} labels; expected one CIFAR-10 test label per image")
    if len(class_names) != k:
        raise DataError(f"{source}: {k} count columns but {len(class_names)} class names; expected one column per class")
    per_class = np.zeros((k, k), dtype=np.int64)
    np.add.at(per_class, labels, counts)
    splits = split_counts(counts, n_splits, np.random.default_rng(seed))
    per_split = np.zeros((n_splits, k, k), dtype=np.int64)
    for s in range(n_splits):
        np.add.at(per_split[s], labels, splits[s])
    names = [f"split-{s + 1:02d}" for s in range(n_splits)]
    rdms = confusion_rdms(per_split, class_names, {"subject": names}, [f"{source}, response split {s}" for s in names])
    pooled = confusion_rdms(per_class[None], class_names, {"subject": ["pooled"]}, [source])
    return HumanRDMs(
        rdms=rdms,
        pooled=pooled,
        format="cifar10h_counts",
        source=source,
        unit="response split",
        n_stimuli=n,
        n_responses=int(counts.sum()),
        stimulus_class={str(i): class_names[c] for i, c in enumerate(labels)},
        notes=[
            f"CIFAR-10H counts carry no annotator identities: each image's responses were split at random "
            f"(seed {seed}) into {n_splits} groups, one RDM per group, for the noise ceiling and the bootstrap"
        ],
    )


def geirhos_rdms(path: str | Path) -> HumanRDMs:
    """Human RDMs from a folder of Geirhos et al. (2019) trial CSVs: one per subject, and pooled.

    Parameters
    ----------
    path : str or Path
        A folder of per-subject CSVs (e.g. ``human_data/geirhos2019/raw-data/edge-experiment``).

    Returns
    -------
    HumanRDMs
    """
    from neurogrow.human import load_geirhos

    path = Path(path)
    human = load_geirhos(path)  # every trial column, the response too (neurogrow.human)
    assert human.trials is not None  # a per-trial format
    trials = human.trials[human.trials["responded"].to_numpy()]
    classes = sorted(trials["category"].unique())
    index = {c: i for i, c in enumerate(classes)}
    bad = ~trials["response"].isin(classes)
    if bad.any():
        row = trials[bad].iloc[0]
        raise DataError(
            f"{path}: subject {row['subject']} answered {row['response']!r} to {row['stimulus']}; "
            f"expected one of the {len(classes)} categories ({', '.join(classes)}) or na"
        )
    true = trials["category"].map(index).to_numpy()
    resp = trials["response"].map(index).to_numpy()
    subjects = sorted(trials["subject"].unique())
    notes = []
    kept, counts = [], []
    for s in subjects:
        mask = (trials["subject"] == s).to_numpy()
        c = confusion_counts(true[mask], resp[mask], len(classes))
        missing = [classes[i] for i in np.flatnonzero(c.sum(axis=1) == 0)]
        if missing:
            notes.append(f"{s} left out of the per-subject RDMs: no response to category {', '.join(missing)}")
            continue
        if np.count_nonzero(c) == np.count_nonzero(np.diag(c)):
            notes.append(f"{s} left out of the per-subject RDMs: no confusions, so the RDM is constant")
            continue
        kept.append(s)
        counts.append(c)
    if len(kept) < 2:
        raise DataError(
            f"{path}: {len(kept)} subject(s) with responses to every category; expected at least 2 subjects "
            "for the per-subject RDMs and the noise ceiling"
        )
    rdms = confusion_rdms(np.stack(counts), classes, {"subject": kept}, [f"{path}: {s}'s responses" for s in kept])
    pooled = confusion_rdms(confusion_counts(true, resp, len(classes))[None], classes, {"subject": ["pooled"]}, [str(path)])
    stim_class = dict(zip(human.trials["stimulus"], human.trials["category"]))
    return HumanRDMs(
        rdms=rdms,
        pooled=pooled,
        format="geirhos2019",
        source=str(path),
        unit="subject",
        n_stimuli=len(stim_class),
        n_responses=len(trials),
        stimulus_class=stim_class,
        notes=notes,
    )


def cifar10_test_labels(data_root: str | os.PathLike | None = None) -> np.ndarray:
    """The CIFAR-10 test labels in test-set order (from :func:`neurogrow.data.load_dataset`)."""
    from neurogrow.data import load_dataset

    return load_dataset("cifar10", "test", root=data_root).labels


def load_human_rdms(
    path: str | os.PathLike,
    labels: str | os.PathLike | None = None,
    n_splits: int = 10,
    seed: int = 0,
    data_root: str | os.PathLike | None = None,
) -> HumanRDMs:
    """Human RDMs from a Geirhos et al. (2019) trial folder or a CIFAR-10H counts ``.npy``.

    Parameters
    ----------
    path : str or Path
        The human data (format detected by :func:`neurogrow.human.detect_format`).
    labels : str or Path, optional
        CIFAR-10H: the true test labels (``.npy`` or CSV with a ``label`` column).  Default: the
        ``cifar10_test_labels.npy`` beside the counts, else the labels of the CIFAR-10 test set
        under ``data_root``.
    n_splits, seed : int
        CIFAR-10H: number of random response splits and their seed.
    data_root : str or Path, optional
        Data root for the CIFAR-10 test labels.

    Returns
    -------
    HumanRDMs
    """
    from neurogrow.human import detect_format, load_cifar10h_counts
    from neurogrow.human.cifar10h import LABEL_FILE

    path = Path(path)
    fmt = detect_format(path)
    if fmt == "geirhos2019":
        return geirhos_rdms(path)
    if fmt != "cifar10h_counts":
        raise DataError(
            f"{path}: {fmt} data have no per-trial responses to build a confusion RDM; expected a folder of "
            "Geirhos et al. 2019 trial CSVs or CIFAR-10H counts (.npy)"
        )
    if labels is not None or path.with_name(LABEL_FILE).exists():
        data = load_cifar10h_counts(path, labels=labels)
        true = data.reference
    else:
        data = load_cifar10h_counts(path)
        true = cifar10_test_labels(data_root)
        if data.counts is not None and true.shape[0] != data.counts.shape[0]:
            raise DataError(
                f"{path}: {data.counts.shape[0]} images but the CIFAR-10 test set has {true.shape[0]}; "
                "pass --labels with one true label per row of the counts"
            )
    assert data.counts is not None and data.class_names is not None and true is not None  # the counts format
    return cifar10h_rdms(data.counts, true, data.class_names, n_splits=n_splits, seed=seed, source=str(path))
