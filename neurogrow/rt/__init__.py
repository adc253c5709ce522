"""Model halting times vs human reaction times (or human difficulty) per image: ``neurogrow compare-rt``.

The analysis in stages, one module each, read in this order (methods in ``docs/compare_rt.md``):

1. :mod:`~neurogrow.rt.options`: :class:`Options`, the measures and model-time columns;
2. :mod:`~neurogrow.rt.model_times`: model times from an extract HDF5 file or a CSV
   ``stimulus,model_time`` (:func:`load_model_times`) with the step baselines and
   ``--baseline`` files, matched to the human stimuli by file name without folders
   (:func:`match_stimuli`), the match proven by content hash (:mod:`neurogrow.human.identity`);
3. :mod:`~neurogrow.rt.human_measures`: the human measure per image (mean log RT, median RT,
   accuracy, or for CIFAR-10H counts the response entropy or accuracy) and the per-trial table;
4. :mod:`~neurogrow.rt.analysis`: :func:`analyse`, one function per statistic (correlations with
   bootstrap CIs over images and over subjects x images, permutation p, split-half noise ceiling,
   within category, mixed models), with :mod:`~neurogrow.rt.resampling` (every statistic of a
   resample on the same draw: paired baseline differences) and :mod:`~neurogrow.rt.summary`
   (the fixed layout of summary.json, Holm's adjustment);
5. :mod:`~neurogrow.rt.report`: ``report.md`` and the console table (:func:`format_table`);
6. :mod:`~neurogrow.rt.figures`: ``scatter.{png,pdf}`` and ``per_category.{png,pdf}``;

and :mod:`~neurogrow.rt.pipeline`: :func:`compare_rt` (load, analyse, write) and
:func:`write_outputs` (atomic output folder).

Importing this package is light: each name loads its module on first use (:mod:`neurogrow.lazy`).
"""
from typing import TYPE_CHECKING

from neurogrow.lazy import exports

_NAMES = {
    "check_out_dir": "neurogrow.outputs",
    "Result": "analysis",
    "analyse": "analysis",
    "image_measures": "human_measures",
    "resolve_measure": "human_measures",
    "add_baseline_file": "model_times",
    "load_model_times": "model_times",
    "match_stimuli": "model_times",
    "model_times_frame": "model_times",
    "step_baselines": "model_times",
    "times_from_extract": "model_times",
    "COUNT_MEASURES": "options",
    "MEASURES": "options",
    "MODEL_TIME_COLUMNS": "options",
    "TRIAL_MEASURES": "options",
    "Options": "options",
    "compare_rt": "pipeline",
    "write_outputs": "pipeline",
    "format_table": "report",
}
__getattr__, __dir__ = exports(__name__, _NAMES)

if TYPE_CHECKING:  # pragma: no cover
    from neurogrow.outputs import check_out_dir
    from neurogrow.rt.analysis import Result, analyse
    from neurogrow.rt.human_measures import image_measures, resolve_measure
    from neurogrow.rt.model_times import (
        add_baseline_file,
        load_model_times,
        match_stimuli,
        model_times_frame,
        step_baselines,
        times_from_extract,
    )
    from neurogrow.rt.options import COUNT_MEASURES, MEASURES, MODEL_TIME_COLUMNS, TRIAL_MEASURES, Options
    from neurogrow.rt.pipeline import compare_rt, write_outputs
    from neurogrow.rt.report import format_table

__all__ = [
    "COUNT_MEASURES",
    "MEASURES",
    "MODEL_TIME_COLUMNS",
    "TRIAL_MEASURES",
    "Options",
    "Result",
    "add_baseline_file",
    "analyse",
    "check_out_dir",
    "compare_rt",
    "format_table",
    "image_measures",
    "load_model_times",
    "match_stimuli",
    "model_times_frame",
    "resolve_measure",
    "step_baselines",
    "times_from_extract",
    "write_outputs",
]
