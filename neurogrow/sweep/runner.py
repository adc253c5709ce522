"""Running a sweep: decide which runs need work, run or submit them, collect the table.

The output directory holds ``sweep.json`` (the expanded sweep), ``runs/<run id>/``
(one training run directory each), ``results.csv`` / ``results.json`` and, for
Slurm, ``slurm/`` (submitit's scripts and logs). Invoking a sweep again skips
finished runs, resumes interrupted ones from their checkpoints, retries failed
ones and leaves runs that are still submitted to Slurm alone (``resubmit=True``
submits them again, e.g. after their jobs were cancelled).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from submitit.core.utils import FailedSubmissionError, UncompletedJobError

from neurogrow.errors import CheckpointError, ConfigError, NeurogrowError
from neurogrow.outputs import write_text
from neurogrow.sweep.collect import SUBMITTED_FILE, collect, run_status, write_results
from neurogrow.sweep.executors import SlurmOptions, run_local, slurm_executor, submit_slurm
from neurogrow.sweep.spec import Run, SweepSpec
from neurogrow.sweep.task import ERROR_FILE, RunTask
from neurogrow.train.config import config_differences
from neurogrow.train.loop import CONFIG

SWEEP_FILE = "sweep.json"
SLURM_DIR = "slurm"
EXECUTORS = ("local", "slurm")


@dataclass
class SweepOutcome:
    """What one invocation of a sweep did.

    Attributes
    ----------
    records
        The results table (one record per run), as written to ``results.json``.
    failed
        Run id -> one-line error, for local runs that failed in this invocation.
    submitted
        Run id -> Slurm job id, for runs submitted in this invocation.
    """

    records: list[dict]
    failed: dict[str, str] = field(default_factory=dict)
    submitted: dict[str, str] = field(default_factory=dict)


def plan(spec: SweepSpec, out: str | Path, resubmit: bool = False) -> list[tuple[Run, str, bool]]:
    """Each run with its status and whether this invocation would run it.

    Raises
    ------
    ConfigError
        If a run directory holds a run whose configuration differs from the sweep's.
    """
    planned = []
    for run in spec.runs():
        _check_saved_config(run, out)
        status = run_status(run.directory(out))
        todo = status in ("pending", "partial", "failed") or (status == "submitted" and resubmit)
        planned.append((run, status, todo))
    return planned


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    executor: str = "local",
    jobs: int | None = None,
    slurm: SlurmOptions | None = None,
    resubmit: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> SweepOutcome:
    """Run (local) or submit (Slurm) every run that needs work, then write the results table.

    Parameters
    ----------
    spec
        The sweep.
    out
        Output directory.
    executor
        ``"local"``: worker processes on this machine, waiting for them;
        ``"slurm"``: one job array through submitit, returning once submitted.
    jobs
        Runs at once: worker processes (local, default 1) or array tasks (Slurm, default unbounded).
    slurm
        Slurm resources (default: the sweep file's ``[slurm]`` table).
    resubmit
        Also run runs marked as submitted to Slurm.
    overwrite
        Allow ``out`` to hold a sweep of another name (its runs are kept).
    progress
        Show a progress bar over local runs.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    out = Path(out)
    from neurogrow.overlap import refuse_overlap

    refuse_overlap(out, [("sweep file", spec.path)])
    _check_output_dir(spec, out, overwrite)
    planned = plan(spec, out, resubmit)
    todo = [run for run, _, needed in planned if needed]
    tasks = [RunTask(run.id, run.config.to_dict(), run.directory(out)) for run in todo]
    if executor == "slurm" and tasks:
        options = slurm or SlurmOptions.from_mapping(spec.slurm, f"sweep file {spec.path} [slurm]")
        submitter = slurm_executor(out / SLURM_DIR, options, spec.name, jobs)
    write_text(out / SWEEP_FILE, json.dumps({**spec.to_dict(), "runs": [r.id for r, _, _ in planned]}, indent=1))
    outcome = SweepOutcome(records=[])
    for run in todo:
        (run.directory(out) / ERROR_FILE).unlink(missing_ok=True)
    if executor == "local":
        for run in todo:
            (run.directory(out) / SUBMITTED_FILE).unlink(missing_ok=True)
        results = run_local(tasks, jobs or 1, progress)
        outcome.failed = {run: error for run, error in results.items() if error is not None}
    elif tasks:
        try:
            outcome.submitted = submit_slurm(tasks, submitter)
        except (UncompletedJobError, FailedSubmissionError) as exc:  # sbatch failed: its stderr, in one line
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise NeurogrowError(f"Slurm submission of {len(tasks)} runs failed: {first}") from exc
        for run in todo:
            write_text(run.directory(out) / SUBMITTED_FILE, outcome.submitted[run.id] + "\n")
    outcome.records = collect([run for run, _, _ in planned], out)
    write_results(outcome.records, out)
    return outcome


def collect_sweep(spec: SweepSpec, out: str | Path) -> list[dict]:
    """Write the results table of the runs as they are now, running nothing."""
    out = Path(out)
    if not (out / SWEEP_FILE).exists():
        raise ConfigError(f"{out} holds no sweep ({SWEEP_FILE} missing); run the sweep first")
    records = collect([run for run, _, _ in plan(spec, out)], out)
    write_results(records, out)
    return records


def _check_output_dir(spec: SweepSpec, out: Path, overwrite: bool) -> None:
    saved = out / SWEEP_FILE
    if not saved.exists() or overwrite:
        return
    try:
        name = json.loads(saved.read_text()).get("name")
    except (json.JSONDecodeError, AttributeError) as exc:
        raise CheckpointError(f"{saved} is not a sweep record (invalid JSON); remove it or pass --overwrite") from exc
    if name != spec.name:
        raise ConfigError(f"{out} holds sweep {name!r}, not {spec.name!r}; choose another --out or pass --overwrite")


def _check_saved_config(run: Run, out: str | Path) -> None:
    saved = run.directory(out) / CONFIG
    if not saved.exists():
        return
    try:
        previous = json.loads(saved.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{saved} is not valid JSON ({exc.msg})") from exc
    diffs = config_differences(previous, run.config.to_dict())
    if diffs:
        raise ConfigError(
            f"{saved.parent} holds a run whose config differs in {', '.join(diffs)} "
            "(did the base config change?); remove that directory or choose another --out"
        )
