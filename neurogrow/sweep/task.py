"""What one job of a sweep does: train (or resume) one run, and leave a note if it fails."""
from __future__ import annotations

import os
import traceback
from pathlib import Path

import submitit

from neurogrow.outputs import write_text
from neurogrow.train import train
from neurogrow.train.config import config_from_dict

#: File in a run directory holding the traceback of the run's last failure.
ERROR_FILE = "error.txt"


class RunTask(submitit.helpers.Checkpointable):
    """Train one run of a sweep, resuming it from its checkpoint if it was interrupted.

    A picklable callable for a worker process or a submitit job. As a
    :class:`submitit.helpers.Checkpointable` a Slurm job that reaches its time
    limit is requeued and resumes from the run's last checkpoint. A job with
    several tasks (one per GPU) trains the run data-parallel, one rank per task.

    Parameters
    ----------
    run_id
        The run's id.
    config
        The run's configuration as a dict (:meth:`TrainConfig.to_dict`).
    run_dir
        The run's directory.
    """

    def __init__(self, run_id: str, config: dict, run_dir: str | Path) -> None:
        self.run_id = run_id
        self.config = config
        self.run_dir = str(run_dir)

    def __call__(self) -> dict:
        """Train to the end; returns the final metrics row. On failure writes ``ERROR_FILE`` and re-raises."""
        error = Path(self.run_dir) / ERROR_FILE
        error.unlink(missing_ok=True)
        try:
            config = config_from_dict(self.config)
            return train(config, self.run_dir, resume=True, progress=False, distributed=_join_job_tasks())
        except Exception:
            if os.environ.get("RANK", "0") == "0":
                write_text(error, traceback.format_exc())
            raise


def _join_job_tasks() -> bool:
    """In a submitit job of several tasks, export the torch.distributed environment; True if so."""
    if not os.environ.get("SUBMITIT_EXECUTOR") or submitit.JobEnvironment().num_tasks < 2:
        return False
    submitit.helpers.TorchDistributedEnvironment().export(set_cuda_visible_devices=False, overwrite=True)
    return True
