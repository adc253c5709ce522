"""compare-rt end to end: load both inputs, analyse, write the outputs."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from neurogrow.human import load_human
from neurogrow.outputs import atomic_output_dir, check_out_dir, summary_json
from neurogrow.overlap import refuse_overlap
from neurogrow.progress import status
from neurogrow.rt.analysis import Result, analyse
from neurogrow.rt.model_times import add_baseline_file, load_model_times
from neurogrow.rt.options import Options

__all__ = ["compare_rt", "write_outputs"]


def compare_rt(
    model_times: str | os.PathLike | pd.DataFrame,
    human: str | os.PathLike,
    out_dir: str | os.PathLike | None,
    options: Options | None = None,
    overwrite: bool = False,
    labels: str | os.PathLike | None = None,
    columns: str | dict | None = None,
) -> Result:
    """Load both inputs (and the ``--baseline`` files of ``options``), run :func:`~neurogrow.rt.analyse`
    and (if ``out_dir``) write the outputs.

    ``model_times`` is a file (:func:`~neurogrow.rt.load_model_times`) or an already checked
    frame with ``stimulus``, ``model_time`` (and ``category``), as :func:`neurogrow.compare_rt` passes.
    ``columns``: the column map of a long-format human CSV (:func:`neurogrow.human.load_human`).
    """
    options = options or Options()
    options.validate()
    if out_dir is not None:
        refuse_overlap(out_dir, rt_inputs(model_times, human, options, labels))
        check_out_dir(out_dir, overwrite)
    if isinstance(model_times, pd.DataFrame):
        times, source = model_times, "a table passed from Python"
    else:
        times, source = load_model_times(model_times, options.model_time), str(model_times)
    for spec in options.baselines:
        times = add_baseline_file(times, spec, options.model_time)
    data = load_human(human, labels=labels, rt=options.rt_rules(), columns=columns)
    result = analyse(times, data, options, inputs={"model_times": source, "human": str(human)})
    if out_dir is not None:
        write_outputs(result, out_dir, overwrite)
    return result


def rt_inputs(model_times, human, options: Options, labels=None) -> list[tuple[str, object]]:
    """The input paths of compare-rt, for :func:`neurogrow.overlap.refuse_overlap`."""
    baselines = [("baseline file", spec if Path(spec).exists() else spec.rsplit(":", 1)[0]) for spec in options.baselines]
    return [("model times file", model_times), ("human data", human), ("labels file", labels),
            ("stimuli", options.stimuli), *baselines]


def write_outputs(result: Result, out_dir: str | os.PathLike, overwrite: bool = False, figures: bool = True) -> Path:
    """Write ``summary.json``, ``per_image.csv``, ``report.md`` and the figures to ``out_dir`` atomically.

    Everything is written to a temporary folder beside ``out_dir`` and renamed into place; on any
    error nothing is left behind.
    """
    from neurogrow.rt.figures import write_figures
    from neurogrow.rt.report import write_report

    status(f"compare-rt: writing summary.json, per_image.csv, report.md{' and the figures' if figures else ''} ({Path(out_dir).name}/)")
    with atomic_output_dir(out_dir, overwrite) as tmp:
        files = ["summary.json", "per_image.csv", "report.md"]
        if figures:
            files += write_figures(result, tmp)
        summary = dict(result.summary, files=files)
        result.per_image.to_csv(tmp / "per_image.csv", index=False)  # full precision: re-read values are exact
        (tmp / "summary.json").write_text(summary_json(summary))
        write_report(result, tmp / "report.md")
    return Path(out_dir).absolute()
