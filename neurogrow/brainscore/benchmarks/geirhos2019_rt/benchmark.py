"""Brain-Score benchmark: a model's per-image reaction times vs human RTs of Geirhos et al. (2019).

One benchmark per experiment (edge drawings, filled silhouettes; 160 images of 16 categories,
10 subjects each); ``Geirhos2019-rt`` is their parent (a group name, not a benchmark).

- **human RT** of an image: the mean log ``response_time`` over the trials with a response (all
  subjects, correct or not), as ``neurogrow compare-rt`` computes it;
- **model RT** (default, any ``BrainModel``): the model's IT is recorded in the 10 ms bins of
  Brain-Score's Kar2019-ost benchmark (70-250 ms) and each image's solution time is read by
  cross-validated decoders: the ``solution_time_rt`` metric. Optionally (``rt_source="native"``,
  not registered in Brain-Score) a model's own reaction times: a model that lists
  ``"reaction_time"`` in ``supported_tasks`` answers ``start_task("reaction_time")`` with one RT
  per stimulus (neurogrow models: the halting time);
- **raw**: Spearman correlation of model RT and human RT over the images (NaN when the model's RTs
  do not vary; Kar2019-ost scores such models NaN as well);
- **ceiling**: split-half reliability of the human RT over subjects, Spearman-Brown corrected and
  averaged over all distinct splits of the 10 subjects into 5 + 5
  (:func:`neurogrow.stats.split_half_trials`, :func:`neurogrow.stats.ceiling_from_halves`);
- **score**: raw / ceiling, bounded to [0, 1] (Brain-Score's ``bound_score``); ``raw`` and
  ``ceiling`` attributes are scalar Scores.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from brainscore_core.metrics import Score
from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly
from brainscore_vision.benchmark_helpers import bound_score
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.benchmarks import BenchmarkBase

from neurogrow.errors import NeurogrowError
from neurogrow.progress import progress

__all__ = [
    "BIBTEX",
    "EXPERIMENTS",
    "PARENT",
    "REACTION_TIME_TASK",
    "RT_SOURCES",
    "TIME_BINS",
    "VISUAL_DEGREES",
    "Geirhos2019ReactionTime",
    "human_rt",
    "rt_ceiling",
]

BIBTEX = """@inproceedings{geirhos2019imagenettrained,
  title={ImageNet-trained {CNN}s are biased towards texture; increasing shape bias improves accuracy and robustness},
  author={Geirhos, Robert and Rubisch, Patricia and Michaelis, Claudio and Bethge, Matthias and Wichmann, Felix A. and Brendel, Wieland},
  booktitle={International Conference on Learning Representations},
  year={2019},
  url={https://openreview.net/forum?id=Bygh9j09KX}
}"""

#: The experiments: one benchmark each.
EXPERIMENTS = ("edge", "silhouette")
#: Parent (group) of the per-experiment benchmarks.
PARENT = "Geirhos2019-rt"
#: Degrees of visual angle of the stimuli in the experiment.
VISUAL_DEGREES = 3
#: ``decoding``: the solution_time_rt metric on time-binned IT (default); ``native``: the model's own RT.
RT_SOURCES = ("decoding", "native")
#: Task name under which a model answers its own reaction times (not one of ``BrainModel.Task``).
REACTION_TIME_TASK = "reaction_time"
#: Recording bins of the decoding route (those of Brain-Score's Kar2019-ost benchmark).
TIME_BINS = [(start, start + 10) for start in range(70, 250, 10)]
#: Subject splits for the ceiling (10 subjects have 126 distinct splits: all are used).
N_SPLITS = 1000
#: Bootstrap samples over images for the ceiling's 95% interval.
N_BOOT = 1000


def _load(registry: str, loader: str, identifier: str):
    """A registered dataset or metric: from the registry when its plugin is imported already, else Brain-Score's loader."""
    import brainscore_vision

    factory = getattr(brainscore_vision, registry).get(identifier)
    return factory() if factory is not None else getattr(brainscore_vision, loader)(identifier)


def human_rt(assembly) -> pd.Series:
    """Per-image mean log ``response_time`` (s) over the trials with a response, indexed by stimulus_id."""
    rt = np.asarray(assembly["response_time"].values, dtype=float)
    responded = np.isfinite(rt)
    sid = np.asarray(assembly["stimulus_id"].values)[responded]
    return pd.Series(np.log(rt[responded])).groupby(sid).mean()


def rt_ceiling(assembly, seed: int = 0) -> Score:
    """Spearman-Brown corrected split-half reliability of :func:`human_rt` over subjects.

    The value is the mean over subject splits; attributes ``ci95`` (bootstrap over images and
    splits), ``r_half`` and ``n_splits``.
    """
    from neurogrow.stats import TrialTable, ceiling_from_halves, split_half_trials

    rt = np.asarray(assembly["response_time"].values, dtype=float)
    responded = np.isfinite(rt)
    sid = np.asarray(assembly["stimulus_id"].values)[responded]
    subjects = np.asarray(assembly["subject"].values)[responded]
    image_codes, images = pd.factorize(sid, sort=True)
    subject_codes, subject_names = pd.factorize(subjects, sort=True)
    if len(subject_names) < 2:
        raise NeurogrowError(f"{assembly.attrs.get('identifier')}: {len(subject_names)} subject(s); a split-half ceiling needs at least 2")
    table = TrialTable(image_codes, subject_codes, np.log(rt[responded]), len(images), len(subject_names))
    rng_split, rng_boot = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    a, b = split_half_trials(table, N_SPLITS, rng_split)
    nc = ceiling_from_halves(a, b, N_BOOT, rng_boot)
    ceiling = Score(nc.spearman_brown)
    ceiling.attrs.update({"ci95": nc.ci95, "r_half": nc.r_half, "n_splits": nc.n_splits})
    return ceiling


class Geirhos2019ReactionTime(BenchmarkBase):
    """Per-image reaction times of a model vs humans on one Geirhos et al. (2019) experiment.

    Parameters
    ----------
    experiment
        ``"edge"`` or ``"silhouette"``.
    rt_source
        One of :data:`RT_SOURCES` (default ``decoding``: any BrainModel).
    """

    def __init__(self, experiment: str, rt_source: str = "decoding") -> None:
        if experiment not in EXPERIMENTS:
            raise NeurogrowError(f"Geirhos 2019 experiment {experiment!r}: expected one of {', '.join(EXPERIMENTS)}")
        if rt_source not in RT_SOURCES:
            raise NeurogrowError(f"rt_source {rt_source!r}: expected one of {', '.join(RT_SOURCES)}")
        self.experiment = experiment
        self.rt_source = rt_source
        self._assembly = _load("data_registry", "load_dataset", f"Geirhos2019_rt_{experiment}")
        self._metric = _load("metric_registry", "load_metric", "solution_time_rt")
        self._metric.progress = partial(progress, desc=f"Geirhos2019{experiment}-rt decoders per time bin", unit="bin")
        self._visual_degrees = VISUAL_DEGREES
        self._number_of_trials = 1
        suffix = "" if rt_source == "decoding" else "_native"
        super().__init__(
            identifier=f"Geirhos2019{experiment}-rt{suffix}",
            version=1,
            ceiling_func=lambda: rt_ceiling(self._assembly),
            parent=PARENT,
            bibtex=BIBTEX,
        )

    @property
    def stimulus_set(self):
        """The experiment's StimulusSet (160 images)."""
        return self._assembly.stimulus_set

    def _human(self) -> DataAssembly:
        """Mean log RT per image, with the number of trials with a response behind each."""
        rt = np.asarray(self._assembly["response_time"].values, dtype=float)
        counts = pd.Series(np.isfinite(rt)).groupby(np.asarray(self._assembly["stimulus_id"].values)).sum()
        mean = human_rt(self._assembly)
        ids = mean.index.to_numpy(dtype=object)
        coords = {"stimulus_id": ("presentation", ids), "n_trials": ("presentation", counts.reindex(ids).to_numpy())}
        return DataAssembly(mean.to_numpy(), coords=coords, dims=["presentation"])

    def _native(self, candidate, stimulus_set):
        if REACTION_TIME_TASK not in tuple(getattr(candidate, "supported_tasks", ())):
            raise NeurogrowError(
                f"benchmark {self.identifier}: model {candidate.identifier} declares no {REACTION_TIME_TASK} task; "
                f"use Geirhos2019{self.experiment}-rt (decoding) instead"
            )
        candidate.start_task(REACTION_TIME_TASK)
        answer = candidate.look_at(stimulus_set, number_of_trials=self._number_of_trials)
        if answer.dims != ("presentation",):
            raise NeurogrowError(f"task {REACTION_TIME_TASK}: the model returned dims {answer.dims}; expected (presentation,)")
        return self._metric.correlate(answer, self._human())

    def __call__(self, candidate) -> Score:
        stimulus_set = place_on_screen(
            self.stimulus_set, target_visual_degrees=candidate.visual_degrees(), source_visual_degrees=self._visual_degrees
        )
        if self.rt_source == "native":
            raw = self._native(candidate, stimulus_set)
        else:
            candidate.start_recording("IT", time_bins=TIME_BINS)
            recordings = candidate.look_at(stimulus_set, number_of_trials=self._number_of_trials)
            raw = self._metric(recordings, self._human())
        ceiling = self.ceiling
        score = Score(float(raw) / float(ceiling))
        bound_score(score)  # before the attributes: bound_score's in-place write reaches a Score's attrs too
        score.attrs[Score.RAW_VALUES_KEY] = Score(float(raw))
        score.attrs["ceiling"] = ceiling
        score.attrs["rt_source"] = self.rt_source
        score.attrs["experiment"] = self.experiment
        score.attrs["per_image"] = pd.DataFrame(
            {
                "experiment": self.experiment,
                "stimulus_id": raw.attrs["stimulus_id"],
                "model_rt": raw.attrs["model_rt"],
                "human_mean_log_rt": raw.attrs["human_rt"],
            }
        )
        if not np.isfinite(float(raw)):
            score.attrs["note"] = f"the model's reaction times do not vary across the images of the {self.experiment} experiment"
        return score
