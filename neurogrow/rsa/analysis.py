"""``compare_rsa``: a model's representational geometry per layer x step vs human confusion structure.

Steps (methods in ``docs/rsa.md``):

1. human RDMs from the human data (:func:`neurogrow.rsa.human_rdms.load_human_rdms`);
2. the model's pooled activations on the stimuli: read from an extract HDF5 file, or computed by
   running the model on the Geirhos stimuli (``--images``) or on CIFAR-10 test images
   (``--per-class`` per class); each stimulus gets the human data's class;
3. model RDMs (:mod:`neurogrow.rsa.model_rdms`): class-averaged patterns for every layer x step and
   at each image's exit step, plus the model's own confusions when its classes are the human ones;
4. per comparator, similarity to the human RDMs with bootstrap CIs and the noise ceiling
   (:mod:`neurogrow.rsa.compare`), the best layer/step, and the halting-step question;
5. outputs written atomically to a folder: ``summary.json``, ``report.md``, one heatmap per
   comparator (``heatmap_<comparator>.png/.pdf``), ``model_rdms.hdf5``, ``human_rdms.hdf5``.
"""
from __future__ import annotations

import math
import os
import shlex
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from neurogrow.errors import DataError, NeurogrowError
from neurogrow.human.layout import geirhos_stimulus_folder as default_stimulus_folder
from neurogrow.outputs import atomic_output_dir, check_out_dir, summary_json
from neurogrow.rsa.compare import COMPARATORS, Evaluation, evaluate, paired_difference
from neurogrow.rsa.human_rdms import HumanRDMs, load_human_rdms
from neurogrow.rsa.model_rdms import (
    DISTANCES,
    HALT,
    ModelPatterns,
    join_rdms,
    model_confusion_rdms,
    pattern_rdms,
    patterns_from_h5,
    patterns_from_model,
)

__all__ = [
    "Options",
    "Result",
    "analyse",
    "check_out_dir",
    "compare_rsa",
    "default_stimulus_folder",
    "format_table",
    "load_patterns",
    "write_outputs",
]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


@dataclass
class Options:
    """Settings of the analysis (the ``neurogrow compare-rsa`` options; keywords of :func:`neurogrow.compare_rsa`).

    Attributes
    ----------
    comparators
        rsatoolbox comparators (:data:`~neurogrow.rsa.compare.COMPARATORS`).
    distance
        Distance between class-mean patterns (:data:`~neurogrow.rsa.model_rdms.DISTANCES`).
    n_boot
        Bootstrap samples (0: no CIs).
    seed
        Seed of every random draw.
    n_splits
        CIFAR-10H: random response splits (pseudo-subjects) for the noise ceiling.
    per_class
        CIFAR-10H with a model: test images per class run through the model (0: all).
    min_per_class
        Fewest stimuli a class may have.
    threshold
        Exit threshold when the model is run here.
    batch_size
        Images per forward pass when the model is run here.
    progress
        Show progress (None/True: unless quiet; False: never).
    """

    comparators: tuple[str, ...] = ("spearman", "cosine_cov", "corr_cov")
    distance: str = "correlation"
    n_boot: int = 1000
    seed: int = 0
    n_splits: int = 10  #: CIFAR-10H: random response splits (pseudo-subjects)
    per_class: int = 100  #: CIFAR-10 images per class run through the model (0: all)
    min_per_class: int = 5
    threshold: float = 0.5  #: exit threshold when the model is run here
    batch_size: int = 256
    progress: bool | None = None

    def validate(self) -> None:
        if not self.comparators:
            raise NeurogrowError("--comparators: expected at least one comparator")
        for c in self.comparators:
            if c not in COMPARATORS:
                raise NeurogrowError(f"--comparators: unknown comparator {c!r}; expected some of {', '.join(COMPARATORS)}")
        if self.distance not in DISTANCES:
            raise NeurogrowError(f"--distance {self.distance}: expected one of {', '.join(DISTANCES)}")
        if self.n_boot < 0 or 0 < self.n_boot < 10:
            raise NeurogrowError(f"--n-boot {self.n_boot}: expected 0 (no bootstrap) or at least 10 samples")
        if self.n_splits < 2:
            raise NeurogrowError(f"--n-splits {self.n_splits}: expected at least 2 response splits")
        if self.per_class < 0:
            raise NeurogrowError(f"--per-class {self.per_class}: expected a number of images per class (0: all)")
        if self.min_per_class < 2:
            raise NeurogrowError(f"--min-per-class {self.min_per_class}: expected at least 2 stimuli per class")
        if not 0.0 < self.threshold <= 1.0:
            raise NeurogrowError(f"--threshold {self.threshold}: expected a cumulative probability in (0, 1]")
        if self.batch_size < 1:
            raise NeurogrowError(f"--batch-size {self.batch_size}: expected a positive integer")


@dataclass
class Result:
    """What :func:`analyse` (and :func:`neurogrow.compare_rsa`) returns.

    Attributes
    ----------
    summary
        Everything ``summary.json`` holds: inputs, options, per comparator the similarity of
        every model RDM with its CI, the noise ceiling, the best RDM and the halting question
        (see ``docs/rsa.md``).
    model_rdms
        rsatoolbox ``RDMs``: one per layer x step, per layer at each image's exit step, and
        the model's confusions per step (rdm descriptor ``name``).
    human
        The human RDMs (:class:`~neurogrow.rsa.human_rdms.HumanRDMs`: per subject or response
        split, and pooled).
    evaluations
        Comparator name -> :class:`~neurogrow.rsa.compare.Evaluation` (values, CIs, ceiling).
    """

    summary: dict
    model_rdms: object
    human: HumanRDMs
    evaluations: dict[str, Evaluation] = field(default_factory=dict)


# --------------------------------------------------------------------------- inputs


def is_hdf5(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an existing HDF5 file (by its signature)."""
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_MAGIC
    except OSError:
        return False


def _stimulus_classes(stimuli: list[str], human: HumanRDMs, source: str) -> list[str]:
    """The human data's class of every model stimulus (by file name, or CIFAR-10 test index)."""
    from neurogrow.human._common import stimulus_key

    keys = [stimulus_key(s) for s in stimuli]
    seen: dict[str, str] = {}
    for s, k in zip(stimuli, keys):
        if k in seen:
            raise DataError(f"{source}: stimuli {seen[k]!r} and {s!r} have the same file name; expected unique file names")
        seen[k] = s
    missing = [s for s, k in zip(stimuli, keys) if k not in human.stimulus_class]
    if missing:
        example = next(iter(human.stimulus_class))
        raise DataError(
            f"{source}: stimulus {missing[0]!r} is not in the human data {human.source} ({len(missing)} of "
            f"{len(stimuli)} unmatched; human stimuli look like {example!r}); expected the stimuli the humans saw"
        )
    return [human.stimulus_class[k] for k in keys]


def load_patterns(
    model_or_h5: str,
    human: HumanRDMs,
    options: Options,
    images: str | os.PathLike | None = None,
    data_root: str | os.PathLike | None = None,
) -> tuple[ModelPatterns, list[str], str]:
    """The model's activations on the stimuli, each stimulus's class, and a description of the input.

    Parameters
    ----------
    model_or_h5 : str
        An extract HDF5 file with activations, or a model (shipped name, model file, run directory).
    human : HumanRDMs
        The human RDMs (their stimuli decide the classes).
    options : Options
        ``per_class``, ``threshold``, ``batch_size``, ``progress``.
    images : str or Path, optional
        Geirhos data: the stimulus folder (default: inferred from the shipped layout).
    data_root : str or Path, optional
        CIFAR-10H: the data root of the CIFAR-10 test images.

    Returns
    -------
    tuple
        (patterns, classes, description of the stimuli).
    """
    if is_hdf5(model_or_h5):
        if images is not None:
            raise NeurogrowError("--images applies when MODEL_OR_H5 is a model; an HDF5 file already holds the activations")
        patterns = patterns_from_h5(model_or_h5)
        return patterns, _stimulus_classes(patterns.stimuli, human, str(model_or_h5)), f"the stimuli of {model_or_h5}"
    from neurogrow import load_model

    model = load_model(model_or_h5)
    if human.format == "geirhos2019":
        from neurogrow.data import load_image_folder

        folder = Path(images) if images is not None else default_stimulus_folder(human.source)
        if folder is None:
            raise NeurogrowError(
                f"{human.source}: cannot tell where its stimuli are; pass --images DIR (the images the subjects saw, DIR/<category>/<file>)"
            )
        ds = load_image_folder(folder, size=model.config.image_size, channels=model.config.in_channels)
        stimuli, imgs, described = ds.ids, ds.images, f"the {len(ds)} images in {folder} (resized to {model.config.image_size}x{model.config.image_size})"
    else:
        from neurogrow.data import load_dataset

        if images is not None:
            raise NeurogrowError("--images applies to Geirhos trial data; with CIFAR-10H the CIFAR-10 test images are used (--data-root)")
        ds = load_dataset("cifar10", "test", root=data_root)
        per = options.per_class or len(ds)
        idx = np.sort(np.concatenate([np.flatnonzero(ds.labels == c)[:per] for c in range(len(ds.class_names))]))
        stimuli, imgs = [ds.ids[i] for i in idx], ds.images[idx]
        described = (
            f"the first {options.per_class} CIFAR-10 test images of each class (test-set order)" if options.per_class
            else "all CIFAR-10 test images"
        )
    classes = _stimulus_classes(stimuli, human, str(images or model_or_h5))
    patterns = patterns_from_model(model, imgs, stimuli, options.batch_size, options.threshold, options.progress)
    return patterns, classes, described


def check_stimuli(classes: list[str], human: HumanRDMs, min_per_class: int) -> dict[str, int]:
    """Stimuli per class; the classes must be the human RDMs' and each needs ``min_per_class`` stimuli."""
    names, counts = np.unique(np.asarray(classes, dtype=str), return_counts=True)
    per = dict(zip(names.tolist(), counts.tolist()))
    missing = [c for c in human.class_names if c not in per]
    extra = [c for c in per if c not in human.class_names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no model stimuli of {', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}")
        if extra:
            parts.append(f"stimuli of classes the human RDMs lack: {', '.join(extra[:5])}")
        raise DataError(
            f"mismatched class sets: the human RDMs have {len(human.class_names)} classes and the model stimuli "
            f"{len(per)} ({'; '.join(parts)}); expected stimuli of every human class and no other"
        )
    few = [(c, n) for c, n in per.items() if n < min_per_class]
    if few:
        c, n = few[0]
        raise DataError(
            f"too few stimuli per class: {c!r} has {n}; expected at least {min_per_class} per class "
            f"for a class-averaged pattern ({len(few)} classes below; see --min-per-class)"
        )
    return per


# --------------------------------------------------------------------------- analysis


def _f(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _verdict(d: dict) -> str:
    lo, hi = d["ci95"]
    if lo is None:
        return "higher (no CI)" if d["difference"] > 0 else "not higher (no CI)"
    if lo > 0:
        return "higher"
    if hi < 0:
        return "lower"
    return "no clear difference"


def halting_question(ev: Evaluation, rdms, steps: int) -> dict:
    """Does the geometry at each image's exit step match humans better than at step 1 and at step T?

    For every layer (and the model's confusions, when present) the similarity at the exit step
    minus that at step 1 and at the last step, with bootstrap CIs from the same rsatoolbox samples;
    and the same averaged over the layers' pattern RDMs (the headline).
    """
    layer = np.asarray(rdms.rdm_descriptors["layer"]).astype(str)
    step = np.asarray(rdms.rdm_descriptors["step"]).astype(str)
    kind = np.asarray(rdms.rdm_descriptors["kind"]).astype(str)
    if steps < 2:
        return {"applicable": False, "answer": "not applicable: the model has a single step, so step 1, the last step "
                "and the exit step coincide"}

    def idx(row: str, s: str) -> int:
        return int(np.flatnonzero((layer == row) & (step == s))[0])

    rows = list(dict.fromkeys(layer.tolist()))
    per_row = []
    for row in rows:
        h, first, last = idx(row, HALT), idx(row, "1"), idx(row, str(steps))
        vs1 = paired_difference(ev, [h], [first])
        vsT = paired_difference(ev, [h], [last])
        per_row.append({
            "layer": row,
            "kind": str(kind[h]),
            "similarity": {"step1": _f(ev.values[first]), "halt": _f(ev.values[h]), "last": _f(ev.values[last])},
            "halt_minus_step1": vs1 | {"verdict": _verdict(vs1)},
            "halt_minus_last": vsT | {"verdict": _verdict(vsT)},
        })
    pattern_rows = [r for r in rows if kind[idx(r, HALT)] == "pattern"]
    halts = [idx(r, HALT) for r in pattern_rows]
    m1 = paired_difference(ev, halts, [idx(r, "1") for r in pattern_rows])
    mT = paired_difference(ev, halts, [idx(r, str(steps)) for r in pattern_rows])
    v1, vT = _verdict(m1), _verdict(mT)
    yes = "yes" if v1.startswith("higher") and vT.startswith("higher") else "no"
    answer = (
        f"{yes}: averaged over the {len(pattern_rows)} layers, the similarity at each image's exit step minus that at "
        f"step 1 is {m1['difference']:+.3f} {_ci_text(m1['ci95'])} ({v1}) and minus that at step {steps} is "
        f"{mT['difference']:+.3f} {_ci_text(mT['ci95'])} ({vT})"
    )
    return {
        "applicable": True,
        "answer": answer,
        "better_than_both": yes == "yes",
        "mean_over_layers": {"halt_minus_step1": m1 | {"verdict": v1}, "halt_minus_last": mT | {"verdict": vT}},
        "per_layer": per_row,
    }


def _ci_text(ci) -> str:
    return "(no CI)" if ci[0] is None else f"[95% CI {ci[0]:+.3f}, {ci[1]:+.3f}]"


def analyse(
    patterns: ModelPatterns,
    classes: list[str],
    human: HumanRDMs,
    options: Options | None = None,
    inputs: dict | None = None,
) -> Result:
    """Model RDMs, comparisons, best layer/step and the halting-step question (no files written).

    Parameters
    ----------
    patterns : ModelPatterns
        The model's activations on N stimuli.
    classes : list of str
        N classes, those of the human RDMs.
    human : HumanRDMs
        Human RDMs.
    options : Options
        Analysis settings.
    inputs : dict, optional
        Descriptions of the inputs for the summary (``model``, ``human``, ``stimuli``).

    Returns
    -------
    Result
    """
    from neurogrow import __version__

    options = options or Options()
    options.validate()
    per_class = check_stimuli(classes, human, options.min_per_class)
    notes = list(human.notes)
    parts = [pattern_rdms(patterns, classes, options.distance)]
    if sorted(patterns.class_names) == human.class_names:
        parts.append(model_confusion_rdms(patterns, classes))
    else:
        notes.append(
            f"the model's confusion RDM is skipped: its {len(patterns.class_names)} output classes are not the "
            f"{len(human.class_names)} human classes, so its confusions between human classes are undefined"
        )
    rdms = join_rdms(*parts)
    over = "both" if human.unit == "subject" else "classes"
    evaluations = {}
    for i, method in enumerate(options.comparators):
        evaluations[method] = evaluate(
            rdms, human, method, n_boot=options.n_boot, over=over, seed=options.seed + i, progress=options.progress
        )

    layer = np.asarray(rdms.rdm_descriptors["layer"]).astype(str)
    step = np.asarray(rdms.rdm_descriptors["step"]).astype(str)
    kind = np.asarray(rdms.rdm_descriptors["kind"]).astype(str)
    name = np.asarray(rdms.rdm_descriptors["name"]).astype(str)
    similarity, ceiling, best, question = {}, {}, {}, {}
    for method, ev in evaluations.items():
        similarity[method] = [
            {
                "layer": str(layer[j]),
                "step": str(step[j]),
                "kind": str(kind[j]),
                "name": str(name[j]),
                "similarity": _f(ev.values[j]),
                "ci95": [_f(ev.ci[j, 0]), _f(ev.ci[j, 1])],
                "pooled": _f(ev.pooled[j]),
            }
            for j in range(len(ev.values))
        ]
        lower, upper = ev.ceiling
        ceiling[method] = {"lower": _f(lower), "upper": _f(upper)}
        grid = np.flatnonzero((kind == "pattern") & (step != HALT))
        vals = np.where(np.isfinite(ev.values[grid]), ev.values[grid], -np.inf)
        j = int(grid[int(np.argmax(vals))])
        best[method] = {
            "layer": str(layer[j]),
            "step": int(step[j]),
            "similarity": _f(ev.values[j]),
            "ci95": [_f(ev.ci[j, 0]), _f(ev.ci[j, 1])],
            "relative_to_lower_ceiling": _f(ev.values[j] / lower) if lower and lower > 0 else None,
            "reaches_lower_ceiling": bool(ev.values[j] >= lower) if np.isfinite(lower) else None,
        }
        question[method] = halting_question(ev, rdms, patterns.steps)

    primary = options.comparators[0]
    summary = {
        "neurogrow_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command_line": shlex.join(sys.argv),
        "inputs": dict(inputs or {}),
        "model": {
            "name": patterns.model_name,
            "checksum": patterns.model_checksum,
            "layers": list(patterns.layers),
            "steps": int(patterns.steps),
            "classes": list(patterns.class_names),
            "exit_threshold": float(patterns.exit_threshold),
            "mean_exit_step": float(np.mean(patterns.exit_step)),
        },
        "human": {
            "source": human.source,
            "format": human.format,
            "unit": human.unit,
            "n_rdms": human.n_rdms,
            "n_stimuli": int(human.n_stimuli),
            "n_responses": int(human.n_responses),
            "dissimilarity": str(human.pooled.dissimilarity_measure),
        },
        "n_classes": len(human.class_names),
        "class_names": human.class_names,
        "n_stimuli": int(patterns.n_stimuli),
        "n_per_class": {"min": int(min(per_class.values())), "max": int(max(per_class.values()))},
        "distance": options.distance,
        "model_rdms": {
            "pattern": f"{options.distance} distance between class-mean pooled activations (rsatoolbox calc_rdm)",
            "confusion": "confusion" in set(kind),
        },
        "comparators": list(options.comparators),
        "bootstrap": {
            "over": {"classes": "classes", "both": "subjects and classes"}[over] if options.n_boot else None,
            "sampler": ("bootstrap_sample_pattern" if over == "classes" else "bootstrap_sample") if options.n_boot else None,
            "n_valid": {m: int(np.isfinite(ev.samples).all(axis=1).sum()) for m, ev in evaluations.items()},
            "n_boot": options.n_boot,
            "seed": options.seed,
            "level": 0.95,
        },
        "similarity": similarity,
        "noise_ceiling": ceiling,
        "best": best,
        "halting_question": {"comparator": primary, "answer": question[primary]["answer"], "per_comparator": question},
        "options": asdict(options) | {"comparators": list(options.comparators)},
        "notes": notes,
    }
    summary["options"].pop("progress", None)
    return Result(summary=summary, model_rdms=rdms, human=human, evaluations=evaluations)


# --------------------------------------------------------------------------- output


def write_outputs(result: Result, out_dir: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write ``summary.json``, ``report.md``, heatmaps and the RDM files to ``out_dir`` atomically.

    Everything is written to a temporary folder beside ``out_dir`` and renamed into place; on any
    error nothing is left behind.
    """
    from rsatoolbox.rdm import concat

    from neurogrow.rsa.figures import write_heatmaps
    from neurogrow.rsa.report import write_report

    with atomic_output_dir(out_dir, overwrite) as tmp:
        files = ["summary.json", "report.md", "model_rdms.hdf5", "human_rdms.hdf5"]
        files += write_heatmaps(result.summary, tmp)
        result.model_rdms.save(str(tmp / "model_rdms.hdf5"), file_type="hdf5")
        concat([result.human.rdms, result.human.pooled]).save(str(tmp / "human_rdms.hdf5"), file_type="hdf5")
        summary = dict(result.summary, files=files)
        (tmp / "summary.json").write_text(summary_json(summary))
        write_report(summary, tmp / "report.md")
    return Path(out_dir).absolute()


def format_table(summary: dict) -> str:
    """A short console table: per comparator the best layer/step, the noise ceiling and the halting answer."""

    def num(v):
        return "n/a" if v is None else f"{v:.3f}"

    def ci(c):
        return "" if not c or c[0] is None else f"[{c[0]:.3f}, {c[1]:.3f}]"

    s = summary
    lines = [
        f"{s['human']['format']}: {s['n_classes']} classes, {s['human']['n_rdms']} human RDMs ({s['human']['unit']}s); "
        f"model {s['model']['name']}: {len(s['model']['layers'])} layers x {s['model']['steps']} steps, {s['n_stimuli']} stimuli",
        f"{'comparator':12s}{'best':>16s}{'similarity':>12s}  {'95% CI':<18s}{'ceiling (low, up)':>20s}",
    ]
    for m in s["comparators"]:
        b, nc = s["best"][m], s["noise_ceiling"][m]
        where = f"{b['layer']} t{b['step']}"
        lines.append(f"{m:12s}{where:>16s}{num(b['similarity']):>12s}  {ci(b['ci95']):<18s}{num(nc['lower']):>10s}{num(nc['upper']):>10s}")
    lines.append(f"halting step ({s['halting_question']['comparator']}): {s['halting_question']['answer']}")
    return "\n".join(lines)


def compare_rsa(
    model_or_h5: str,
    human: str | os.PathLike,
    out_dir: str | os.PathLike | None,
    options: Options | None = None,
    overwrite: bool = False,
    images: str | os.PathLike | None = None,
    labels: str | os.PathLike | None = None,
    data_root: str | os.PathLike | None = None,
) -> Result:
    """Load both inputs, run :func:`analyse` and (if ``out_dir``) write the outputs.

    Parameters
    ----------
    model_or_h5 : str
        An extract HDF5 file with activations, or a model name / file / run directory.
    human : str or Path
        Geirhos et al. (2019) trial folder or CIFAR-10H counts ``.npy``.
    out_dir : str or Path, optional
        Output folder (refused if non-empty unless ``overwrite``).
    options : Options
        Analysis settings.
    overwrite : bool
        Replace a non-empty ``out_dir``.
    images, labels, data_root : optional
        Geirhos stimulus folder; CIFAR-10H true labels; data root of CIFAR-10.

    Returns
    -------
    Result
    """
    options = options or Options()
    options.validate()
    if out_dir is not None:
        check_out_dir(out_dir, overwrite)
    model_path = Path(model_or_h5)
    if model_path.exists() and model_path.is_file() and model_path.suffix.lower() in (".h5", ".hdf5") and not is_hdf5(model_path):
        raise DataError(f"{model_path}: not an HDF5 file; expected an extract file written by neurogrow extract --activations")
    data = load_human_rdms(human, labels=labels, n_splits=options.n_splits, seed=options.seed, data_root=data_root)
    patterns, classes, described = load_patterns(str(model_or_h5), data, options, images=images, data_root=data_root)
    inputs = {"model": str(model_or_h5), "human": str(human), "stimuli": described}
    result = analyse(patterns, classes, data, options, inputs=inputs)
    if out_dir is not None:
        write_outputs(result, out_dir, overwrite)
    return result
