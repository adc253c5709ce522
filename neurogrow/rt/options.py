"""Stage 1 of compare-rt: the options of the analysis and what they may be."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from neurogrow.errors import NeurogrowError

if TYPE_CHECKING:  # pragma: no cover
    from neurogrow.human.validate import RTRules

__all__ = [
    "COUNT_MEASURES",
    "DEFAULT_WITHIN",
    "MEASURES",
    "MIN_IMAGES",
    "MODEL_TIME_COLUMNS",
    "SUMMARY_SCHEMA_VERSION",
    "TRIAL_MEASURES",
    "Options",
]

TRIAL_MEASURES = ("mean_log_rt", "median_rt", "accuracy")
COUNT_MEASURES = ("entropy", "accuracy")
MEASURES = ("mean_log_rt", "median_rt", "accuracy", "entropy")
MODEL_TIME_COLUMNS = ("expected_steps", "exit_step")
#: Fewest matched images with a human measure that the analysis accepts.
MIN_IMAGES = 3
#: Version of the layout of summary.json (docs/compare_rt.md).
SUMMARY_SCHEMA_VERSION = "2.0"
#: The within-category method whose numbers fill ``within_category.spearman_partial`` and ``noise_ceiling``.
DEFAULT_WITHIN = "mean_removed"


@dataclass
class Options:
    """Settings of the analysis (the ``neurogrow compare-rt`` options; keywords of :func:`neurogrow.compare_rt`).

    Attributes
    ----------
    measure
        Per-image human measure: ``mean_log_rt``, ``median_rt``, ``accuracy`` or ``entropy``
        (None: mean_log_rt for per-trial data, entropy for CIFAR-10H counts).
    correct_only
        Use correct trials only for the RT measures.
    n_boot
        Bootstrap samples of every CI (at least 10).
    n_splits
        Random split-halves of the subjects for the noise ceiling.
    n_perm
        Permutations of the permutation p-value (0: none).
    seed
        Seed of every random draw.
    model_time
        HDF5 input: ``expected_steps`` (E[t]) or ``exit_step``.
    allow_unmatched
        Analyse the stimuli common to both inputs instead of requiring every one to match.
    mixed_model
        Fit the per-trial mixed model.
    stimuli
        The human experiment's images (a folder, or a manifest CSV ``stimulus,sha256``), to prove
        that model and humans saw the same images (``--stimuli``).
    baselines
        ``FILE[:COLUMN]`` specs of extra baselines (``--baseline``), loaded by
        :func:`~neurogrow.rt.compare_rt`.
    progress
        Show progress (None/True: unless quiet; False: never).
    rt_unit
        Unit of the human RTs, ``s`` or ``ms`` (``--rt-unit``; None: the format's documented unit).
    rt_max, rt_min
        Exclude trials slower / faster than this many seconds (``--rt-max``/``--rt-min``; counted
        in ``summary.json`` under ``rt_checks``). Rules: :mod:`neurogrow.human.validate`.
    """

    measure: str | None = None  #: None: mean_log_rt for per-trial data, entropy for counts
    correct_only: bool = False
    n_boot: int = 1000
    n_splits: int = 100
    n_perm: int = 10000
    seed: int = 0
    model_time: str = "expected_steps"  #: HDF5 input: expected_steps or exit_step
    allow_unmatched: bool = False
    mixed_model: bool = True
    stimuli: str | None = None  #: the human experiment's images: a folder or a manifest CSV stimulus,sha256
    baselines: tuple[str, ...] = ()  #: --baseline FILE[:COLUMN] specs (loaded by compare_rt)
    progress: bool | None = None  #: progress (neurogrow.progress): None/True = shown unless quiet, False = never
    rt_unit: str | None = None  #: unit of the human RTs (s or ms); None: the format's documented unit
    rt_max: float | None = None  #: exclude trials slower than this many seconds (counted in rt_checks)
    rt_min: float | None = None  #: exclude trials faster than this many seconds

    def rt_rules(self) -> RTRules:
        """The RT unit and exclusions as :class:`~neurogrow.human.validate.RTRules` (checked there)."""
        from neurogrow.human.validate import RTRules  # pandas: not at import (the command line's --help)

        return RTRules(self.rt_unit, self.rt_max, self.rt_min)

    def validate(self) -> None:
        for name in ("measure", "model_time", "rt_unit", "stimuli"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise NeurogrowError(f"--{name.replace('_', '-')} {value!r}: expected text, got {type(value).__name__}")
        for name in ("rt_max", "rt_min"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise NeurogrowError(f"--{name.replace('_', '-')} {value!r}: expected a number of seconds, got {type(value).__name__}")
        if self.measure is not None and self.measure not in MEASURES:
            raise NeurogrowError(f"--measure {self.measure}: expected one of {', '.join(MEASURES)}")
        from neurogrow import arguments

        for name, low in (("n_boot", 10), ("n_splits", 1), ("n_perm", 0)):
            arguments.integer(getattr(self, name), f"--{name.replace('_', '-')}", low)
        arguments.seed(self.seed)
        for name in ("correct_only", "allow_unmatched", "mixed_model"):
            arguments.flag(getattr(self, name), name)
        if self.model_time not in MODEL_TIME_COLUMNS:
            raise NeurogrowError(f"--model-time {self.model_time}: expected one of {', '.join(MODEL_TIME_COLUMNS)}")
        self.rt_rules()
