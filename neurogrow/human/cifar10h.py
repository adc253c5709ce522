"""Loaders for CIFAR-10H (Peterson et al. 2019): the per-trial file and the per-image counts.

Per-trial (``cifar10h-raw.csv``, upstream ``data/cifar10h-raw.zip``): columns ``annotator_id``,
``trial_index``, ``is_attn_check``, ``true_category``, ``chosen_category``, ``true_label``,
``chosen_label``, ``correct_guess``, ``cifar10_test_set_idx``, ``image_filename``,
``subcategory``, ``reaction_time`` (milliseconds), ``time_elapsed``.  Attention checks
(``is_attn_check == 1``) are dropped; ``reaction_time`` is converted to seconds; the stimulus key
is the CIFAR-10 test-set index as text (``"17"``), the ``stimulus`` that ``neurogrow extract``
writes for a dataset without file names.

Counts (``cifar10h-counts.npy``): an integer (10000, 10) matrix of how many people chose each
class for each test image.  Accuracy needs each image's true class: pass ``labels`` (a ``.npy``
of integer labels, or a CSV with a ``label`` column in test-set order) or put
``cifar10_test_labels.npy`` next to the counts file; without labels the reference class is the
plurality response (it agrees with the CIFAR-10 label on 99.2 % of images), and a note says so;
the split-half noise ceiling of that accuracy then scores each half against its own plurality
(:func:`neurogrow.stats.split_half_counts`), so that the two halves stay independent.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from neurogrow.errors import DataError
from neurogrow.human._common import (
    check_categories,
    check_duplicates,
    check_rts,
    line_of,
    normalise_labels,
    parse_bools,
    parse_numbers,
    read_csv_text,
    require_columns,
)
from neurogrow.human.base import TRIAL_COLUMNS, HumanData
from neurogrow.human.validate import RTRules, check_trial_rts

CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
REQUIRED = ["annotator_id", "is_attn_check", "cifar10_test_set_idx", "reaction_time"]
LABEL_FILE = "cifar10_test_labels.npy"


def is_cifar10h_header(columns: list[str]) -> bool:
    return set(REQUIRED) <= set(columns)


def load_cifar10h_trials(path: str | os.PathLike, rt: RTRules | None = None) -> HumanData:
    """Load the CIFAR-10H per-trial CSV (reaction times in ms -> seconds, attention checks dropped)."""
    path = Path(path)
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "CIFAR-10H per-trial")
    attn = parse_numbers(df["is_attn_check"], path, "is_attn_check")
    bad = np.flatnonzero(~np.isin(attn, [0, 1]))
    if bad.size:
        i = bad[0]
        raise DataError(f"{path}: line {line_of(df.index[i])}: is_attn_check is {df['is_attn_check'].iloc[i]!r}; expected 0 or 1")
    df = df[attn == 0]
    if len(df) == 0:
        raise DataError(f"{path}: only attention-check trials; expected trials with is_attn_check == 0")
    idx = parse_numbers(df["cifar10_test_set_idx"], path, "cifar10_test_set_idx")
    bad = np.flatnonzero(~np.isfinite(idx) | (idx < 0) | (idx != np.round(idx)))
    if bad.size:
        i = bad[0]
        raise DataError(
            f"{path}: line {line_of(df.index[i])}: cifar10_test_set_idx is {df['cifar10_test_set_idx'].iloc[i]!r}; "
            "expected a test-set index >= 0 on a trial that is not an attention check"
        )
    rt_ms = parse_numbers(df["reaction_time"], path, "reaction_time")
    responded = np.ones(len(df), dtype=bool)
    check_rts(rt_ms, responded, df.index, path, hint=" (reaction_time is in milliseconds)")
    if "correct_guess" in df.columns:
        correct = parse_bools(df["correct_guess"], path, "correct_guess")
    elif {"true_label", "chosen_label"} <= set(df.columns):
        correct = pd.Series((normalise_labels(df["true_label"]) == normalise_labels(df["chosen_label"])).to_numpy(),
                            index=df.index, dtype="boolean")
    else:
        correct = pd.Series(pd.NA, index=df.index, dtype="boolean")
    if "true_category" in df.columns:
        category = normalise_labels(df["true_category"].where(df["true_category"] != "", None)).to_numpy(dtype=object)
    else:
        category = np.full(len(df), None, dtype=object)
    if "chosen_label" in df.columns:
        response = df["chosen_label"].where(df["chosen_label"] != "", None).to_numpy(dtype=object)
    else:
        response = np.full(len(df), None, dtype=object)
    trials = pd.DataFrame(
        {
            "subject": df["annotator_id"].to_numpy(),
            "stimulus": [str(int(i)) for i in idx],
            "rt": rt_ms,
            "responded": responded,
            "correct": correct.to_numpy(),
            "category": category,
            "response": response,
            "_line": [line_of(i) for i in df.index],
        }
    )
    check_duplicates(trials, path, trials["_line"])
    check_categories(trials, path, trials["_line"])
    trials, checks = check_trial_rts(trials, "ms", rt, str(path))
    trials["correct"] = trials["correct"].astype("boolean")
    return HumanData(
        format="cifar10h_trials",
        source=str(path),
        trials=trials[TRIAL_COLUMNS].reset_index(drop=True),
        class_names=list(CLASS_NAMES),
        rt_checks=checks,
    )


def match_hint(human: HumanData) -> str:
    """What to add to a stimulus-matching error about these human data: how their stimuli are named."""
    if not human.format.startswith("cifar10h"):
        return ""
    if human.counts is None:
        return " (CIFAR-10H stimuli are CIFAR-10 test-set indices, e.g. '17')"
    n, k = human.counts.shape
    classes = "" if k == len(CLASS_NAMES) else f"; it has {k} classes, CIFAR-10H has {len(CLASS_NAMES)}"
    return (
        f" ({human.source} is read as CIFAR-10H counts of shape ({n}, {k}): row i is CIFAR-10 test image i, "
        f"stimulus '0'..'{n - 1}'{classes}; model times must name stimuli by test-set index, as "
        "neurogrow extract --dataset cifar10 writes them)"
    )


def _load_labels(path: Path, n: int, k: int) -> np.ndarray:
    try:
        if path.suffix == ".npy":
            labels = np.load(path, allow_pickle=False)
        else:
            table = pd.read_csv(path)
            if "label" not in table.columns:
                raise DataError(f"{path}: no column label; expected the CIFAR-10 test labels in test-set order")
            labels = table["label"].to_numpy()
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read labels ({str(exc).splitlines()[0]})") from None
    labels = np.asarray(labels).ravel()
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= k:
        raise DataError(f"{path}: expected {n} integer labels in 0..{k - 1}, got shape {labels.shape} of {labels.dtype}")
    return labels.astype(np.intp)


def load_cifar10h_counts(path: str | os.PathLike, labels: str | os.PathLike | None = None) -> HumanData:
    """Load CIFAR-10H counts (N, K): per-image accuracy and entropy as difficulty measures."""
    path = Path(path)
    try:
        counts = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable .npy array ({str(exc).splitlines()[0]})") from None
    if counts.ndim != 2 or counts.shape[1] < 2 or counts.shape[0] < 1:
        raise DataError(f"{path}: array of shape {counts.shape}; expected counts of shape (images, classes)")
    if not np.issubdtype(counts.dtype, np.integer):
        raise DataError(
            f"{path}: array of {counts.dtype}; expected integer counts (cifar10h-counts.npy, not cifar10h-probs.npy)"
        )
    if (counts < 0).any():
        i = int(np.argwhere(counts < 0)[0][0])
        raise DataError(f"{path}: row {i} has a negative count; expected counts >= 0")
    n_resp = counts.sum(axis=1)
    if (n_resp < 2).any():
        i = int(np.flatnonzero(n_resp < 2)[0])
        raise DataError(f"{path}: row {i} has {int(n_resp[i])} responses; expected at least 2 per image")
    n, k = counts.shape
    notes = []
    label_path = Path(labels) if labels is not None else path.with_name(LABEL_FILE)
    plurality = not (labels is not None or label_path.exists())
    if not plurality:
        ref = _load_labels(label_path, n, k)
        notes.append(f"accuracy is relative to the labels in {label_path}")
    else:
        ref = counts.argmax(axis=1)
        notes.append(
            "no label file: accuracy is the share of the plurality response "
            "(agrees with the CIFAR-10 label on 99.2 % of images); its split-half noise ceiling scores each "
            "half against that half's own plurality response, so that the halves are independent"
        )
    names = list(CLASS_NAMES) if k == len(CLASS_NAMES) else [f"class{i}" for i in range(k)]
    from neurogrow.stats.noise_ceiling import counts_measure

    images = pd.DataFrame(
        {
            "stimulus": [str(i) for i in range(n)],
            "category": [names[c] for c in ref],
            "n_responses": n_resp.astype(int),
            "accuracy": counts_measure(counts, ref, "accuracy"),
            "entropy": counts_measure(counts, ref, "entropy"),
        }
    )
    return HumanData(
        format="cifar10h_counts",
        source=str(path),
        images=images,
        counts=counts.astype(np.int64),
        reference=ref,
        reference_is_plurality=plurality,
        class_names=names,
        notes=notes,
    )
