"""Stimulus identity: proof by content hash that the model and the humans saw the same images.

``neurogrow extract`` records the SHA-256 of every image as read (column ``sha256`` of the times
file).  The human side's images come from, in this order: ``--stimuli DIR`` (a folder of the
experiment's images), ``--stimuli FILE.csv`` (a manifest with columns ``stimulus,sha256``), or the
Geirhos layout next to the trial folder (``raw-data/<experiment>`` -> ``stimuli/<set>``,
:mod:`neurogrow.human.layout`).  :func:`check_identity` then requires every matched pair to be
the same image; where either side has no hashes the match is by name only, and says so.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from neurogrow.data.image_folder import IMAGE_SUFFIXES, sha256_file
from neurogrow.errors import DataError
from neurogrow.human._common import line_of, read_csv_text, stimulus_key

__all__ = ["NAME_ONLY", "SHA256", "StimulusHashes", "check_identity", "check_recorded_source", "human_stimulus_hashes"]

SHA256 = "sha256"
NAME_ONLY = "name only"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class StimulusHashes:
    """SHA-256 per stimulus key (file name without folders) of the images the humans saw."""

    hashes: dict[str, str]
    source: str  #: the folder or manifest they come from
    kind: str  #: "folder" or "manifest"


def folder_hashes(folder: str | os.PathLike, wanted: set[str] | None = None) -> StimulusHashes:
    """Hashes of the image files under ``folder`` (only those whose file name is in ``wanted``)."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root}: no such folder; expected the folder of the human experiment's images (--stimuli)")
    hashes: dict[str, str] = {}
    where: dict[str, Path] = {}
    for f in sorted(root.rglob("*")):
        if f.suffix.lower() not in IMAGE_SUFFIXES or not f.is_file():
            continue
        key = f.name
        if wanted is not None and key not in wanted:
            continue
        h = sha256_file(f)
        if key in hashes and hashes[key] != h:
            raise DataError(
                f"{root}: two different images share the file name {key!r} ({where[key]} and {f}); "
                "expected one image per stimulus name"
            )
        hashes[key], where[key] = h, f
    return StimulusHashes(hashes, str(root), "folder")


def manifest_hashes(path: str | os.PathLike) -> StimulusHashes:
    """Hashes from a manifest CSV with columns ``stimulus,sha256`` (64 lower-case hex digits)."""
    path = Path(path)
    df = read_csv_text(path)
    missing = [c for c in ("stimulus", "sha256") if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; a stimulus manifest needs columns stimulus,sha256")
    hashes: dict[str, str] = {}
    for i, (stim, h) in zip(df.index, zip(df["stimulus"], df["sha256"])):
        h = str(h).strip().lower()
        if not _HEX64.match(h):
            raise DataError(f"{path}: line {line_of(i)}: sha256 {h!r}; expected 64 hexadecimal digits")
        key = stimulus_key(str(stim))
        if key in hashes and hashes[key] != h:
            raise DataError(f"{path}: line {line_of(i)}: stimulus {key!r} appears twice with different sha256; expected one row per stimulus")
        hashes[key] = h
    if not hashes:
        raise DataError(f"{path}: no rows; expected one row per stimulus (stimulus,sha256)")
    return StimulusHashes(hashes, str(path), "manifest")


def human_stimulus_hashes(human_source: str | os.PathLike, stimuli: str | os.PathLike | None, keys: list[str]) -> StimulusHashes | None:
    """The hashes of the human experiment's images ``keys``, or None when none can be found.

    ``stimuli``: a folder of images or a manifest CSV; default: the Geirhos layout beside
    ``human_source`` (:func:`neurogrow.human.layout.geirhos_stimulus_folder`).
    """
    from neurogrow.human.layout import geirhos_stimulus_folder

    wanted = set(keys)
    if stimuli is not None:
        p = Path(stimuli)
        if p.is_dir():
            return folder_hashes(p, wanted)
        if p.is_file():
            return manifest_hashes(p)
        raise DataError(f"{p}: no such file or folder; expected --stimuli DIR (the experiment's images) or a CSV stimulus,sha256")
    folder = geirhos_stimulus_folder(human_source, wanted)
    return folder_hashes(folder, wanted) if folder is not None else None


def check_recorded_source(attrs: dict, human_format: str, source: str) -> None:
    """Refuse model times whose recorded source cannot be the human experiment's images.

    ``attrs``: root attributes of the times file (``source``, ``occlusion``); none recorded (a CSV)
    passes.  Occluded images are never the experiment's; a dataset split cannot be a folder
    experiment's images, and CIFAR-10H needs the CIFAR-10 test split.
    """
    occlusion = float(attrs.get("occlusion", 0.0) or 0.0)
    if occlusion > 0:
        raise DataError(
            f"{source}: the model times were computed on images with {occlusion:g} of their pixels occluded; "
            "expected the human experiment's own images (re-run neurogrow extract without --occlusion)"
        )
    recorded = str(attrs.get("source", ""))
    if not recorded:
        return
    if human_format.startswith("cifar10h"):
        if recorded != "dataset:cifar10/test":
            raise DataError(f"{source}: the model times were computed on {recorded}; CIFAR-10H shows the CIFAR-10 test images (dataset:cifar10/test)")
    elif recorded.startswith("dataset:"):
        raise DataError(f"{source}: the model times were computed on {recorded}; expected the human experiment's image files (neurogrow extract --images DIR)")


def check_identity(matched: pd.DataFrame, proof: StimulusHashes | None, model_source: str) -> dict:
    """Check that every matched pair is the same image; returns the summary's identity record.

    ``matched`` has ``stimulus`` (human key), ``model_stimulus`` and, when the model times carry
    them, ``sha256``.  Raises :class:`DataError` naming the first differing stimulus and how many
    differ.
    """
    n = len(matched)
    model_has = "sha256" in matched.columns and matched["sha256"].notna().all() and (matched["sha256"] != "").all()
    if proof is None or not model_has:
        why = (
            "the human data come without their images (pass --stimuli DIR or a manifest CSV stimulus,sha256)"
            if proof is None
            else f"{model_source} records no sha256 per stimulus (re-run neurogrow extract, or add a sha256 column)"
        )
        return {"method": NAME_ONLY, "human_stimuli": proof.source if proof else None, "n_verified": 0, "note": f"matched by file name only: {why}"}
    missing = [k for k in matched["stimulus"] if k not in proof.hashes]
    if missing:
        raise DataError(
            f"stimulus identity: {len(missing)} of {n} matched stimuli are not among the human experiment's images in {proof.source} "
            f"(first: {missing[0]!r}); expected every stimulus the humans saw there"
        )
    human = matched["stimulus"].map(proof.hashes)
    model = matched["sha256"].astype(str).str.lower()
    differ = (human != model).to_numpy()
    if differ.any():
        i = int(differ.nonzero()[0][0])
        row = matched.iloc[i]
        raise DataError(
            f"stimulus identity: {int(differ.sum())} of {n} matched stimuli differ from the human experiment's images; first: "
            f"model stimulus {row['model_stimulus']!r} (sha256 {model.iloc[i][:12]}...) is not {row['stimulus']!r} of {proof.source} "
            f"(sha256 {human.iloc[i][:12]}...); the model's stimuli are other images with the same names"
        )
    return {"method": SHA256, "human_stimuli": proof.source, "n_verified": int(n), "note": f"every matched stimulus has the same sha256 as in {proof.source}"}
