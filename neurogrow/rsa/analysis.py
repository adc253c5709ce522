"""``compare_rsa``: a model's representational geometry per layer x step vs human confusion structure.

Steps (methods in ``docs/rsa.md``):

1. human RDMs from the human data (:func:`neurogrow.rsa.human_rdms.load_human_rdms`);
2. the model's pooled activations on the stimuli: read from an extract HDF5 file, or computed by
   running the model on the Geirhos stimuli (``--images``) or on CIFAR-10 test images
   (``--per-class`` per class); each stimulus gets the human data's class;
3. model RDMs (:mod:`neurogrow.rsa.model_rdms`): class-averaged patterns for every layer x step and
   at each image's exit step, plus the model's own confusions when its classes are the human ones;
4. per comparator, similarity to the human RDMs with bootstrap CIs and the noise ceiling
   (:mod:`neurogrow.rsa.compare`), the best layer/step (:mod:`neurogrow.rsa.best`), and the
   halting-step question (:mod:`neurogrow.rsa.halting_question`);
5. outputs written atomically to a folder: ``summary.json``, ``report.md``, one heatmap per
   comparator (``heatmap_<comparator>.png/.pdf``), ``model_rdms.hdf5``, ``human_rdms.hdf5``.
"""
from __future__ import annotations

import os
import shlex
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neurogrow.errors import DataError
from neurogrow.human.layout import geirhos_stimulus_folder as default_stimulus_folder
from neurogrow.outputs import atomic_output_dir, check_out_dir, summary_json
from neurogrow.overlap import refuse_overlap
from neurogrow.rsa.best import BEST_SELECTION, best_cell
from neurogrow.rsa.compare import Evaluation, evaluate
from neurogrow.rsa.halting_question import finite_or_none, halting_question
from neurogrow.rsa.human_rdms import HumanRDMs, load_human_rdms
from neurogrow.rsa.inputs import check_stimuli, is_hdf5, load_patterns, stimulus_identity
from neurogrow.rsa.model_rdms import (
    ModelPatterns,
    join_rdms,
    model_confusion_rdms,
    pattern_rdms,
)
from neurogrow.rsa.options import Options

if TYPE_CHECKING:
    from rsatoolbox.rdm import RDMs

__all__ = [
    "Options",
    "Result",
    "analyse",
    "check_out_dir",
    "compare_rsa",
    "default_stimulus_folder",
    "format_table",
    "load_patterns",
    "stimulus_identity",
    "write_outputs",
]

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
    model_rdms: RDMs
    human: HumanRDMs
    evaluations: dict[str, Evaluation] = field(default_factory=dict)


# --------------------------------------------------------------------------- analysis


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
    results = _comparator_results(evaluations, rdms, patterns.steps)
    summary = _summary(patterns, human, options, inputs, per_class, rdms, evaluations, over, results, notes)
    return Result(summary=summary, model_rdms=rdms, human=human, evaluations=evaluations)


def _rdm_descriptor(rdms, key: str) -> np.ndarray:
    return np.asarray(rdms.rdm_descriptors[key]).astype(str)


def _comparator_results(evaluations: dict[str, Evaluation], rdms, steps: int) -> dict[str, dict]:
    """Per comparator: the similarity of every model RDM, the noise ceiling, the best layer/step
    (:func:`best_cell`) and the halting-step question (keys ``similarity``, ``noise_ceiling``,
    ``best``, ``halting_question``)."""
    layer, step, kind, name = (_rdm_descriptor(rdms, k) for k in ("layer", "step", "kind", "name"))
    results: dict[str, dict] = {"similarity": {}, "noise_ceiling": {}, "best": {}, "halting_question": {}}
    for method, ev in evaluations.items():
        results["similarity"][method] = [
            {
                "layer": str(layer[j]),
                "step": str(step[j]),
                "kind": str(kind[j]),
                "name": str(name[j]),
                "similarity": finite_or_none(ev.values[j]),
                "ci95": [finite_or_none(ev.ci[j, 0]), finite_or_none(ev.ci[j, 1])],
                "pooled": finite_or_none(ev.pooled[j]),
            }
            for j in range(len(ev.values))
        ]
        lower, upper = ev.ceiling
        results["noise_ceiling"][method] = {"lower": finite_or_none(lower), "upper": finite_or_none(upper)}
        results["best"][method] = best_cell(results["similarity"][method], results["noise_ceiling"][method])
        results["halting_question"][method] = halting_question(ev, rdms, steps)
    return results


def _summary(
    patterns: ModelPatterns,
    human: HumanRDMs,
    options: Options,
    inputs: dict | None,
    per_class: dict[str, int],
    rdms,
    evaluations: dict[str, Evaluation],
    over: str,
    results: dict[str, dict],
    notes: list[str],
) -> dict:
    """The ``summary.json`` of an analysis."""
    from neurogrow import __version__

    kind = _rdm_descriptor(rdms, "kind")
    primary = options.comparators[0]
    question = results["halting_question"]
    summary: dict[str, Any] = {
        "neurogrow_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
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
        "similarity": results["similarity"],
        "noise_ceiling": results["noise_ceiling"],
        "best": results["best"],
        "halting_question": {"comparator": primary, "answer": question[primary]["answer"], "per_comparator": question},
        "options": asdict(options) | {"comparators": list(options.comparators)},
        "notes": notes,
    }
    summary["options"].pop("progress", None)
    return summary


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
        concat([result.human.rdms, result.human.pooled]).save(  # type: ignore[arg-type]  # a list works too
            str(tmp / "human_rdms.hdf5"), file_type="hdf5")
        summary = dict(result.summary, files=files)
        (tmp / "summary.json").write_text(summary_json(summary))
        write_report(summary, tmp / "report.md")
    return Path(out_dir).absolute()


def rsa_inputs(model_or_h5, human, images=None, labels=None, data_root=None, stimuli=None) -> list[tuple[str, object]]:
    """The input paths of compare-rsa, for :func:`neurogrow.overlap.refuse_overlap`."""
    from neurogrow.overlap import model_input

    model = model_or_h5 if is_hdf5(model_or_h5) else model_input(model_or_h5)
    return [("model or times file", model), ("human data", human), ("stimulus folder", images), ("labels file", labels),
            ("data root", data_root), ("stimuli", stimuli)]


def format_table(summary: dict) -> str:
    """A short console table: per comparator the best layer/step (descriptive, see :data:`BEST_SELECTION`),
    the noise ceiling, where the best's CI lies relative to its lower bound, and the halting answer."""

    def number(v):
        return "n/a" if v is None else f"{v:.3f}"

    def interval(c):
        return "" if not c or c[0] is None else f"[{c[0]:.3f}, {c[1]:.3f}]"

    s = summary
    lines = [
        f"{s['human']['format']}: {s['n_classes']} classes, {s['human']['n_rdms']} human RDMs ({s['human']['unit']}s); "
        f"model {s['model']['name']}: {len(s['model']['layers'])} layers x {s['model']['steps']} steps, {s['n_stimuli']} stimuli",
        f"{'comparator':12s}{'best*':>16s}{'similarity':>12s}  {'95% CI*':<18s}{'ceiling (low, up)':>20s}"
        f"  CI vs lower ceiling",
    ]
    for m in s["comparators"]:
        b, nc = s["best"][m], s["noise_ceiling"][m]
        where = f"{b['layer']} t{b['step']}"
        lines.append(
            f"{m:12s}{where:>16s}{number(b['similarity']):>12s}  {interval(b['ci95']):<18s}{number(nc['lower']):>10s}"
            f"{number(nc['upper']):>10s}  {b.get('vs_lower_ceiling') or 'n/a'}"
        )
    lines.append(f"* best: {BEST_SELECTION}")
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
    stimuli: str | os.PathLike | None = None,
) -> Result:
    """Load both inputs, check that the model saw the humans' images, run :func:`analyse` and (if
    ``out_dir``) write the outputs.

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
    stimuli : str or Path, optional
        The human experiment's images (a folder, or a manifest CSV ``stimulus,sha256``) to check the
        model's stimuli against (default: the Geirhos layout beside the trial folder).

    Returns
    -------
    Result
    """
    options = options or Options()
    options.validate()
    if out_dir is not None:
        refuse_overlap(out_dir, rsa_inputs(model_or_h5, human, images, labels, data_root, stimuli))
        check_out_dir(out_dir, overwrite)
    model_path = Path(model_or_h5)
    if model_path.exists() and model_path.is_file() and model_path.suffix.lower() in (".h5", ".hdf5") and not is_hdf5(model_path):
        raise DataError(f"{model_path}: not an HDF5 file; expected an extract file written by neurogrow extract --activations")
    data = load_human_rdms(human, labels=labels, n_splits=options.n_splits, seed=options.seed, data_root=data_root)
    patterns, classes, described = load_patterns(str(model_or_h5), data, options, images=images, data_root=data_root)
    identity = stimulus_identity(str(model_or_h5), patterns.stimuli, data, images, stimuli)
    inputs = {"model": str(model_or_h5), "human": str(human), "stimuli": described, "stimulus_identity": identity}
    result = analyse(patterns, classes, data, options, inputs=inputs)
    if out_dir is not None:
        write_outputs(result, out_dir, overwrite)
    return result
