"""Brain-Score benchmark: a model's per-image solution times vs human reaction times, Geirhos et al. edge and silhouette images.

Data: Brain-Score's own ``Geirhos2021_edge`` and ``Geirhos2021_silhouette`` assemblies and stimulus
sets (``brainscore_vision/data/geirhos2021``; 160 images of 16 categories, 10 subjects, one trial
per subject and image; per-trial ``response_time`` in s, NaN without a response). Needs only
brainscore_vision, numpy and scipy (and the ``solution_time_rt`` metric plugin).

- **human RT** of an image: the mean log ``response_time`` over its trials with a response;
- **model RT**: the model's IT is recorded in the 10 ms bins of Kar2019-ost (70-250 ms) and each
  image's solution time is read by cross-validated decoders (metric ``solution_time_rt``); any
  BrainModel can be scored. First, as Kar2019-ost does, one stimulus is shown: a model whose
  responses to it do not change over the time bins cannot predict RT differences and scores NaN
  with the reason in ``score.attrs['comment']``, without the other 159 images being run;
- **raw**: Spearman correlation of model RT and human RT over the images;
- **ceiling**: split-half reliability of the human RT over subjects, Spearman-Brown corrected and
  averaged over all 126 splits of the 10 subjects into 5 + 5 (``reliability.py``);
- **score**: raw / ceiling, bounded to [0, 1]. ``error``: the standard deviation of raw / ceiling
  over 1,000 bootstrap resamples of subjects and images together (``raw`` carries the unceiled one).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from brainscore_core.metrics import Score
from brainscore_core.supported_data_standards.brainio.assemblies import DataAssembly
from brainscore_vision.benchmark_helpers import bound_score
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.benchmarks import BenchmarkBase

from .reliability import TrialTable, bootstrap_spearman, split_half_ceiling

__all__ = ["BIBTEX", "DATASETS", "METRIC", "PARENT", "TIME_BINS", "VISUAL_DEGREES", "Geirhos2021SolutionTimeRT", "temporally_varying"]

BIBTEX = """@inproceedings{geirhos2019imagenettrained,
  title={ImageNet-trained {CNN}s are biased towards texture; increasing shape bias improves accuracy and robustness},
  author={Geirhos, Robert and Rubisch, Patricia and Michaelis, Claudio and Bethge, Matthias and Wichmann, Felix A. and Brendel, Wieland},
  booktitle={International Conference on Learning Representations},
  year={2019},
  url={https://openreview.net/forum?id=Bygh9j09KX}
}"""

#: The Geirhos2021 datasets with per-image reaction times of one trial per subject and image.
DATASETS = ("edge", "silhouette")
#: The metric plugin.
METRIC = "solution_time_rt"
#: Parent of the per-dataset benchmarks (a new node; docs/brainscore.md says why).
PARENT = "Geirhos2021-solution_time_rt"
#: Degrees of visual angle of the stimuli (as Brain-Score's Geirhos2021 benchmarks).
VISUAL_DEGREES = 3
#: Recording bins (those of Kar2019-ost); the metric reads exactly these.
TIME_BINS = [(start, start + 10) for start in range(70, 250, 10)]


def _load(registry: str, loader: str, identifier: str, **kwargs):
    """A dataset or metric from its registry if its plugin is imported already, else through Brain-Score's loader."""
    import brainscore_vision

    factory = getattr(brainscore_vision, registry).get(identifier)
    if factory is None:
        return getattr(brainscore_vision, loader)(identifier, **kwargs)
    return factory(**kwargs)


def temporally_varying(recordings) -> bool:
    """Whether recordings (presentation x neuroid x time_bin) change over the time bins for any stimulus and neuroid."""
    if "time_bin" not in recordings.dims or recordings.sizes["time_bin"] < 2:
        return False
    values = np.asarray(recordings.transpose("presentation", "neuroid", "time_bin").values)
    return bool(np.any(values != values[:, :, :1]))


class Geirhos2021SolutionTimeRT(BenchmarkBase):
    """Per-image solution times of a model vs human reaction times on one Geirhos2021 dataset (``edge`` or ``silhouette``)."""

    def __init__(self, dataset: str) -> None:
        if dataset not in DATASETS:
            raise ValueError(f"Geirhos2021 dataset {dataset!r}: expected one of {', '.join(DATASETS)}")
        self.dataset = dataset
        self._assembly = _load("data_registry", "load_dataset", f"Geirhos2021_{dataset}")
        self._table = TrialTable.from_assembly(self._assembly)
        self._metric = _load("metric_registry", "load_metric", METRIC, time_bins=TIME_BINS)
        self._visual_degrees = VISUAL_DEGREES
        self._number_of_trials = 1
        super().__init__(
            identifier=f"Geirhos2021{dataset}-{METRIC}",
            version=1,
            ceiling_func=self._split_half_ceiling,
            parent=PARENT,
            bibtex=BIBTEX,
        )

    @property
    def stimulus_set(self):
        """The dataset's StimulusSet (160 images)."""
        return self._assembly.stimulus_set

    def _split_half_ceiling(self) -> Score:
        value, error, n_splits = split_half_ceiling(self._table)
        ceiling = Score(value)
        ceiling.attrs.update({"error": Score(error), "n_splits": n_splits})
        return ceiling

    def human(self) -> DataAssembly:
        """Mean log RT per image, with the category (``truth``) and the number of trials behind each."""
        ids = self._table.stimulus_ids
        truth = pd.Series(np.asarray(self._assembly["truth"].values), index=np.asarray(self._assembly["stimulus_id"].values).astype(str))
        truth = truth[~truth.index.duplicated()].reindex(ids)
        coords = {
            "stimulus_id": ("presentation", ids.astype(object)),
            "truth": ("presentation", truth.to_numpy(dtype=object)),
            "n_trials": ("presentation", self._table.trials_per_image()),
        }
        return DataAssembly(self._table.mean_log_rt(), coords=coords, dims=["presentation"])

    def __call__(self, candidate) -> Score:
        stimulus_set = place_on_screen(
            self.stimulus_set, target_visual_degrees=candidate.visual_degrees(), source_visual_degrees=self._visual_degrees
        )
        candidate.start_recording("IT", time_bins=TIME_BINS)
        # As Kar2019-ost: one stimulus first. Responses that do not change over time predict no RT differences,
        # and recording all stimuli in 18 bins would cost a static model memory for nothing.
        probe = stimulus_set[:1]
        probe.identifier = None  # not the stimulus set's identifier: nothing cached under it
        if not temporally_varying(candidate.look_at(probe, number_of_trials=self._number_of_trials)):
            return self._nan(
                f"the model's IT responses to the first stimulus do not change over the {len(TIME_BINS)} time bins "
                "(70-250 ms): no solution times to compare with reaction times (as Kar2019-ost, NaN)"
            )
        recordings = candidate.look_at(stimulus_set, number_of_trials=self._number_of_trials)
        human = self.human()
        times = self._metric.solution_times(recordings, labels=human)
        del recordings
        raw = self._metric.correlate(times, human)
        model_rt = pd.Series(np.asarray(times.values, dtype=float), index=np.asarray(times["stimulus_id"].values).astype(str))
        boot = bootstrap_spearman(model_rt.reindex(self._table.stimulus_ids).to_numpy(), self._table)
        score = self._ceiled(float(raw), np.nanstd(boot, ddof=1) if np.isfinite(boot).sum() > 1 else float("nan"))
        score.attrs["per_image"] = pd.DataFrame(
            {"dataset": self.dataset, "stimulus_id": raw.attrs["stimulus_id"], "model_rt": raw.attrs["model_rt"],
             "human_mean_log_rt": raw.attrs["human_rt"]}
        )
        if not np.isfinite(float(raw)):
            self._comment(score, f"the model's solution times do not vary across the images of Geirhos2021_{self.dataset}")
        return score

    def _ceiled(self, raw_value: float, raw_error: float) -> Score:
        ceiling = self.ceiling
        raw = Score(raw_value)
        raw.attrs["error"] = Score(raw_error)
        score = Score(raw_value / float(ceiling))
        bound_score(score)  # before the attributes: bound_score's in-place write reaches a Score's attrs too
        score.attrs[Score.RAW_VALUES_KEY] = raw
        score.attrs["ceiling"] = ceiling
        score.attrs["error"] = Score(raw_error / float(ceiling))
        score.attrs["dataset"] = self.dataset
        return score

    @staticmethod
    def _comment(score: Score, reason: str) -> None:
        score.attrs["comment"] = reason
        score.attrs["note"] = reason  # brainscore_vision.score replaces 'comment' by the layers of a ModelCommitment

    def _nan(self, reason: str) -> Score:
        score = self._ceiled(float("nan"), float("nan"))
        self._comment(score, reason)
        return score
