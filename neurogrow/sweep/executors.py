"""Where a sweep's runs execute: worker processes on this machine, or Slurm jobs through submitit."""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import submitit

from neurogrow.errors import ConfigError
from neurogrow.progress import progress as _progress
from neurogrow.sweep.task import RunTask

#: Keys of a sweep file's ``[slurm]`` table and of :class:`SlurmOptions`.
SLURM_KEYS = ("partition", "gpus_per_node", "cpus_per_task", "time", "mem", "account", "qos", "setup")


def _limit_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def run_local(tasks: list[RunTask], jobs: int = 1, progress: bool = True) -> dict[str, str | None]:
    """Run tasks in ``jobs`` worker processes (spawned; each uses ``OMP_NUM_THREADS`` threads when
    that is set, else its share of the CPU cores).

    Returns
    -------
    dict
        Run id -> None if the run finished, else the one-line error.
    """
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    outcome: dict[str, str | None] = {}
    if not tasks:
        return outcome
    threads = int(os.environ.get("OMP_NUM_THREADS") or max(1, (os.cpu_count() or 1) // jobs))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(jobs, len(tasks)), context, _limit_threads, (threads,)) as pool:
        futures = {pool.submit(task): task.run_id for task in tasks}
        bar = _progress(as_completed(futures), total=len(futures), desc="sweep", unit="run", disable=not progress, dynamic_ncols=True)
        for future in bar:
            run = futures[future]
            try:
                future.result()
                outcome[run] = None
            except Exception as exc:  # a failed run must not stop the others
                outcome[run] = _one_line(exc)
                if progress:
                    bar.write(f"run {run} failed: {outcome[run]}")
    return outcome


@dataclass
class SlurmOptions:
    """Resources of every Slurm job of a sweep (one job per run, submitted as one job array).

    Attributes
    ----------
    partition
        Slurm partition (``--partition``).
    gpus_per_node
        GPUs per run; with more than one the run trains data-parallel, one task per GPU.
    cpus_per_task
        CPU cores per task.
    time
        Time limit in minutes; a run that reaches it is requeued and resumes from its checkpoint.
    mem
        Memory per node in GB.
    account, qos
        Slurm account and quality of service.
    setup
        Shell lines run before the job (e.g. ``module load cuda``).
    """

    partition: str | None = None
    gpus_per_node: int = 0
    cpus_per_task: int | None = None
    time: int = 24 * 60
    mem: float | None = None
    account: str | None = None
    qos: str | None = None
    setup: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, values: dict, source: str) -> SlurmOptions:
        """Options from a ``[slurm]`` table or command-line flags; ``time`` and ``mem`` may be strings
        (``"2-00:00:00"``, ``"90"``; ``"32G"``, ``"500M"``)."""
        unknown = sorted(set(values) - set(SLURM_KEYS))
        if unknown:
            raise ConfigError(f"{source}: unknown Slurm option {unknown[0]!r} (known: {', '.join(SLURM_KEYS)})")
        values = {k: v for k, v in values.items() if v is not None}
        if "time" in values:
            values["time"] = parse_minutes(values["time"], source)
        if "mem" in values:
            values["mem"] = parse_gigabytes(values["mem"], source)
        for key in ("gpus_per_node", "cpus_per_task"):
            value = values.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ConfigError(f"{source}: Slurm option {key!r} must be a non-negative integer, got {value!r}")
        setup = values.get("setup", [])
        if not isinstance(setup, list) or not all(isinstance(line, str) for line in setup):
            raise ConfigError(f"{source}: Slurm option 'setup' must be a list of shell lines, got {setup!r}")
        for key in ("partition", "account", "qos"):
            if values.get(key) is not None and not isinstance(values[key], str):
                raise ConfigError(f"{source}: Slurm option {key!r} must be a string, got {values[key]!r}")
        return cls(**values)

    def merged(self, overrides: dict) -> SlurmOptions:
        """These options with the non-None entries of ``overrides`` (command-line flags) on top."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return SlurmOptions.from_mapping({**dataclasses.asdict(self), **given}, "command line")


def parse_minutes(value: int | str, source: str) -> int:
    """Minutes from an integer or a Slurm time string: ``MM``, ``MM:SS``, ``HH:MM:SS``, ``D-HH``,
    ``D-HH:MM`` or ``D-HH:MM:SS`` (seconds round up)."""
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    else:
        match = re.fullmatch(r"(?:(\d+)-)?(\d+(?::\d+){0,2})", str(value).strip())
        if not match:
            raise ConfigError(f"{source}: time {value!r}: expected minutes, HH:MM:SS or D-HH:MM:SS")
        parts = [int(p) for p in match.group(2).split(":")]
        if match.group(1) is not None:  # D-HH[:MM[:SS]]
            hours, mins, secs = parts + [0] * (3 - len(parts))
        elif len(parts) == 3:  # HH:MM:SS
            hours, mins, secs = parts
        else:  # MM[:SS]
            hours, mins, secs = 0, parts[0], parts[1] if len(parts) == 2 else 0
        minutes = int(match.group(1) or 0) * 1440 + hours * 60 + mins + (secs > 0)
    if minutes < 1:
        raise ConfigError(f"{source}: time {value!r}: expected at least one minute")
    return minutes


def parse_gigabytes(value: int | float | str, source: str) -> float:
    """GB from a number (GB) or a string with a unit: ``"500M"``, ``"32G"``, ``"1T"`` (``B`` optional)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        gigabytes = float(value)
    else:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([MGT]?)B?", str(value).strip().upper())
        if not match:
            raise ConfigError(f"{source}: mem {value!r}: expected e.g. 32G, 500M or a number of GB")
        gigabytes = float(match.group(1)) * {"M": 1 / 1024, "G": 1.0, "": 1.0, "T": 1024.0}[match.group(2)]
    if gigabytes <= 0:
        raise ConfigError(f"{source}: mem {value!r}: expected a positive amount")
    return gigabytes


def slurm_executor(
    folder: str | Path, options: SlurmOptions, name: str, jobs: int | None = None
) -> submitit.AutoExecutor:
    """A submitit executor for Slurm with the sweep's resources.

    ``jobs`` bounds the runs (array tasks) running at once; None leaves submitit's default.

    Raises
    ------
    ConfigError
        When this machine has no Slurm (``srun``/``sbatch`` not found).
    """
    missing = [cmd for cmd in ("sbatch", "srun") if shutil.which(cmd) is None]
    if missing:
        raise ConfigError(f"--executor slurm: {' and '.join(missing)} not found; run the sweep on a Slurm login node")
    executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
    tasks = max(1, options.gpus_per_node)
    extra = {k: v for k, v in (("account", options.account), ("qos", options.qos)) if v is not None}
    executor.update_parameters(
        name=name,
        timeout_min=options.time,
        nodes=1,
        tasks_per_node=tasks,
        gpus_per_node=options.gpus_per_node or None,
        cpus_per_task=options.cpus_per_task,
        mem_gb=options.mem,
        slurm_partition=options.partition,
        slurm_array_parallelism=jobs,
        slurm_setup=options.setup or None,
        slurm_additional_parameters=extra or None,
    )
    return executor


def submit_slurm(tasks: list[RunTask], executor: submitit.AutoExecutor) -> dict[str, str]:
    """Submit tasks as one job array; returns run id -> Slurm job id."""
    with executor.batch():
        jobs = [executor.submit(task) for task in tasks]
    return {task.run_id: job.job_id for task, job in zip(tasks, jobs)}


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
