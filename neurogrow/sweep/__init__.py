"""Sweeps: a grid of config overrides and seeds, trained locally or on Slurm, collected into one table.

See ``docs/sweeps.md``. The pieces: :mod:`~neurogrow.sweep.spec` (sweep files and
run ids), :mod:`~neurogrow.sweep.task` (one run), :mod:`~neurogrow.sweep.executors`
(worker processes or Slurm through submitit), :mod:`~neurogrow.sweep.runner`
(what to run, resuming) and :mod:`~neurogrow.sweep.collect` (the results table).
"""
from neurogrow.sweep.collect import STATUSES, collect, run_status, write_results
from neurogrow.sweep.executors import SlurmOptions
from neurogrow.sweep.runner import SweepOutcome, collect_sweep, plan, run_sweep
from neurogrow.sweep.spec import Run, SweepSpec, load_sweep, run_id
from neurogrow.sweep.task import RunTask

__all__ = [
    "STATUSES",
    "Run",
    "RunTask",
    "SlurmOptions",
    "SweepOutcome",
    "SweepSpec",
    "collect",
    "collect_sweep",
    "load_sweep",
    "plan",
    "run_id",
    "run_status",
    "run_sweep",
    "write_results",
]
