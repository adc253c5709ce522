"""The settings of ``neurogrow compare-rsa`` (:class:`Options`), checked before any work."""
from __future__ import annotations

from dataclasses import dataclass

from neurogrow.errors import NeurogrowError
from neurogrow.model.halting import check_threshold
from neurogrow.rsa.compare import COMPARATORS
from neurogrow.rsa.model_rdms import DISTANCES

__all__ = ["Options"]


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
        from neurogrow import arguments

        for name in ("n_boot", "n_splits", "per_class", "min_per_class", "batch_size"):
            arguments.integer(getattr(self, name), f"--{name.replace('_', '-')}")
        arguments.seed(self.seed)
        if self.n_boot < 0 or 0 < self.n_boot < 10:
            raise NeurogrowError(f"--n-boot {self.n_boot}: expected 0 (no bootstrap) or at least 10 samples")
        if self.n_splits < 2:
            raise NeurogrowError(f"--n-splits {self.n_splits}: expected at least 2 response splits")
        if self.per_class < 0:
            raise NeurogrowError(f"--per-class {self.per_class}: expected a number of images per class (0: all)")
        if self.min_per_class < 2:
            raise NeurogrowError(f"--min-per-class {self.min_per_class}: expected at least 2 stimuli per class")
        check_threshold(self.threshold, "--threshold")
        if self.batch_size < 1:
            raise NeurogrowError(f"--batch-size {self.batch_size}: expected a positive integer")
