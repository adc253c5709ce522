"""Data-parallel training of one model over several processes (``torchrun``, DDP).

Every process (rank) holds a full copy of the model and of the training state.
All ranks draw the same data order and augmentation from the same seeded
generator, so each step they agree on the global batch; rank r trains on its r-th
contiguous chunk of it (a batch that does not split evenly is padded by wrapping
around, as ``DistributedSampler`` pads an epoch). ``DistributedDataParallel``
averages the gradients, so every rank takes the same optimizer and proximal
steps and its gates stay identical to the other ranks'.

The window grows and shrinks: :func:`~neurogrow.model.growth.update_window`
replaces parameters, so the DDP wrapper, which holds the parameters it averages,
is rebuilt after every window change (:meth:`Parallel.wrap`). Growth decisions
read the gates (identical on all ranks), the halting mass on the last step
(averaged over ranks every step, :meth:`Parallel.mean`) and draw new units from
the init generator (seeded identically), so all ranks change the window in the
same way; rebuilding the wrapper checks that the parameter shapes agree.

Batch-norm running statistics are per rank during an epoch (a rebuilt wrapper
starts every rank from rank 0's) and averaged over ranks at its end
(:meth:`Parallel.average_buffers`), before growth, evaluation and the checkpoint.
Only rank 0 writes the run directory and shows progress. With one process every
method of :class:`Parallel` returns its input unchanged, so single-process
training is not affected.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from neurogrow.errors import ConfigError

#: Environment variables that torchrun (or ``submitit``'s TorchDistributedEnvironment) sets.
LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def launched_distributed() -> bool:
    """True when this process was started as one of several ranks (``WORLD_SIZE`` > 1)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        value = os.environ["WORLD_SIZE"]
        raise ConfigError(f"environment variable WORLD_SIZE={value!r}: expected an integer") from None


class Parallel:
    """This process's place in a data-parallel training job.

    ``Parallel()`` is the single-process case, in which every method returns its
    input unchanged.

    Parameters
    ----------
    rank
        Global rank of this process.
    world_size
        Number of processes.
    local_rank
        Rank of this process on its node (selects its GPU).
    """

    def __init__(self, rank: int = 0, world_size: int = 1, local_rank: int = 0) -> None:
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank
        self._ddp: DistributedDataParallel | None = None

    @property
    def active(self) -> bool:
        """More than one process."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0, the process that writes the run directory."""
        return self.rank == 0

    def place(self, device: torch.device) -> torch.device:
        """The device this rank trains on: its own GPU (``local_rank`` modulo the visible GPUs)."""
        if not self.active or device.type != "cuda":
            return device
        return torch.device("cuda", self.local_rank % torch.cuda.device_count())

    def wrap(self, model: nn.Module) -> nn.Module:
        """The module to run training forward passes through.

        With several processes: a new ``DistributedDataParallel`` wrapper of the
        model's current parameters (the previous wrapper's gradient hooks are
        removed). Call it again after every change of the window.
        """
        if not self.active:
            return model
        self.release()
        device = next(model.parameters()).device
        self._ddp = DistributedDataParallel(
            model,
            device_ids=[device.index] if device.type == "cuda" else None,
            forward_sync_buffers=False,
            find_unused_parameters=True,
        )
        return self._ddp

    def release(self) -> None:
        """Detach the current DDP wrapper from the model's parameters and drop it."""
        if self._ddp is not None:
            self._ddp._remove_autograd_hooks()
            self._ddp = None

    def shard(self, *batch: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """This rank's contiguous chunk of each tensor of a global batch (padded by wrapping around)."""
        if not self.active:
            return batch
        n = len(batch[0])
        per_rank = -(-n // self.world_size)
        index = torch.arange(self.rank * per_rank, (self.rank + 1) * per_rank, device=batch[0].device) % n
        return tuple(t[index] for t in batch)

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """Average of a tensor over ranks."""
        if not self.active:
            return value
        total = value.detach().clone()
        dist.all_reduce(total)
        return total / self.world_size

    def sum_values(self, values: dict[str, float]) -> dict[str, float]:
        """A dict of numbers summed over ranks (integers stay integers)."""
        if not self.active:
            return values
        keys = sorted(values)
        totals = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=self._comm_device())
        dist.all_reduce(totals)
        return {k: type(values[k])(v) for k, v in zip(keys, totals.tolist())}

    def average_buffers(self, model: nn.Module) -> None:
        """Replace every floating-point buffer (batch-norm statistics) by its mean over ranks."""
        if not self.active:
            return
        for buffer in model.buffers():
            if buffer.is_floating_point():
                dist.all_reduce(buffer)
                buffer.div_(self.world_size)

    def _comm_device(self) -> torch.device:
        if dist.get_backend() == "nccl":
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")


@contextlib.contextmanager
def process_group(device: torch.device, batch_size: int) -> Iterator[Parallel]:
    """Join the job that torchrun described in the environment, for the duration of the block.

    Initialises ``torch.distributed`` (NCCL on CUDA, Gloo on the CPU) unless it is
    initialised already, and destroys the process group on exit if it created it.

    Parameters
    ----------
    device
        The device type the run trains on (``cuda`` or ``cpu``).
    batch_size
        The global batch size, which must split evenly over the ranks.
    """
    missing = [k for k in LAUNCH_VARIABLES if k not in os.environ]
    if missing and not dist.is_initialized():
        raise ConfigError(
            f"distributed training needs the environment set by torchrun (missing {', '.join(missing)}); "
            "launch with `torchrun --nproc_per_node N -m neurogrow train ...`"
        )
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
    created = not dist.is_initialized()
    if created:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    parallel = Parallel(dist.get_rank(), dist.get_world_size(), local_rank)
    try:
        if batch_size % parallel.world_size:
            raise ConfigError(
                f"config key 'optim.batch_size' = {batch_size} does not split evenly "
                f"over {parallel.world_size} processes"
            )
        yield parallel
    finally:
        parallel.release()  # a wrapper must not outlive its process group
        if created:
            dist.destroy_process_group()
