"""Brain-Score benchmark: a model's per-image reaction times vs human RTs of Geirhos et al. (2019).

Per experiment (edge drawings, filled silhouettes; 160 images, 10 subjects each):

- **human RT** of an image: the mean log RT over the trials with a response (all subjects,
  correct or not), as ``neurogrow compare-rt`` computes it;
- **model RT**: the model's own reaction time when it declares one (neurogrow: the halting time),
  else the model-agnostic solution time from its time-binned IT responses
  (:mod:`.reaction_time`); ``rt_source`` forces one of them;
- **raw score**: Spearman correlation of model RT and human RT over the images
  (``scipy.stats.spearmanr``); NaN when the model's RTs do not vary across images (a model
  without temporal dynamics predicts no RT differences; Brain-Score's Kar2019-ost benchmark
  scores such models NaN as well);
- **ceiling**: split-half reliability of the human RT over subjects, Spearman-Brown corrected
  and averaged over all distinct splits of the subjects into halves
  (:func:`neurogrow.stats.split_half_trials`, :func:`neurogrow.stats.ceiling_from_halves`);
- **score**: raw / ceiling, bounded to [0, 1] (Brain-Score's ``bound_score``).

Experiments are scored separately, because their subjects differ and a split-half over
subjects is only defined within one experiment. The two-experiment benchmark's score is the mean
of the experiments' scores; its ``raw`` and ``ceiling`` attributes hold one value per experiment.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from brainscore_core.metrics import Score
from brainscore_vision.benchmark_helpers import bound_score
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.benchmarks import BenchmarkBase
from scipy.stats import spearmanr

from neurogrow.errors import NeurogrowError
from neurogrow.progress import progress

from .data import EXPERIMENTS, load_assembly
from .reaction_time import native_reaction_times, supports_native, temporal_reaction_times

__all__ = ["BIBTEX", "RT_SOURCES", "VISUAL_DEGREES", "Geirhos2019ReactionTime", "human_rt", "rt_ceiling", "rt_score"]

BIBTEX = """@inproceedings{geirhos2019imagenettrained,
  title={ImageNet-trained {CNN}s are biased towards texture; increasing shape bias improves accuracy and robustness},
  author={Geirhos, Robert and Rubisch, Patricia and Michaelis, Claudio and Bethge, Matthias and Wichmann, Felix A. and Brendel, Wieland},
  booktitle={International Conference on Learning Representations},
  year={2019},
  url={https://openreview.net/forum?id=Bygh9j09KX}
}"""

#: Degrees of visual angle of the stimuli in the experiment.
VISUAL_DEGREES = 3
#: ``auto``: the model's own RT if it declares one, else ``temporal``.
RT_SOURCES = ("auto", "native", "temporal")
#: Subject splits for the ceiling (10 subjects have 126 distinct splits: all are used).
N_SPLITS = 1000
#: Bootstrap samples over images for the ceiling's 95% interval.
N_BOOT = 1000


def human_rt(assembly) -> pd.Series:
    """Per-image mean log RT (seconds) over the trials with a response, indexed by stimulus_id."""
    responded = np.asarray(assembly["responded"].values, dtype=bool)
    rt = np.asarray(assembly.values, dtype=float)[responded]
    sid = np.asarray(assembly["stimulus_id"].values)[responded]
    return pd.Series(np.log(rt)).groupby(sid).mean()


def rt_ceiling(assembly, seed: int = 0) -> Score:
    """Spearman-Brown corrected split-half reliability of :func:`human_rt` over subjects.

    The value is the mean over subject splits; attributes ``ci95`` (bootstrap over images and
    splits), ``r_half`` and ``n_splits``.
    """
    from neurogrow.stats import TrialTable, ceiling_from_halves, split_half_trials

    responded = np.asarray(assembly["responded"].values, dtype=bool)
    sid = np.asarray(assembly["stimulus_id"].values)[responded]
    subjects = np.asarray(assembly["subject"].values)[responded]
    image_codes, images = pd.factorize(sid, sort=True)
    subject_codes, subject_names = pd.factorize(subjects, sort=True)
    if len(subject_names) < 2:
        raise NeurogrowError(f"{assembly.attrs.get('identifier')}: {len(subject_names)} subject(s); a split-half ceiling needs at least 2")
    table = TrialTable(image_codes, subject_codes, np.log(np.asarray(assembly.values, float)[responded]), len(images), len(subject_names))
    rng_split, rng_boot = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    a, b = split_half_trials(table, N_SPLITS, rng_split)
    nc = ceiling_from_halves(a, b, N_BOOT, rng_boot)
    ceiling = Score(nc.spearman_brown)
    ceiling.attrs.update({"ci95": nc.ci95, "r_half": nc.r_half, "n_splits": nc.n_splits})
    return ceiling


def rt_score(model_rt: np.ndarray, human: np.ndarray, ceiling: float) -> tuple[float, float]:
    """(raw, ceiled): Spearman of model and human RT (NaN if either is constant), and raw/ceiling in [0, 1]."""
    model_rt = np.asarray(model_rt, dtype=float)
    human = np.asarray(human, dtype=float)
    raw = float("nan") if np.ptp(model_rt) == 0 or np.ptp(human) == 0 else float(spearmanr(model_rt, human)[0])
    ceiled = Score(raw / ceiling)
    bound_score(ceiled)
    return raw, float(ceiled)


class Geirhos2019ReactionTime(BenchmarkBase):
    """Per-image reaction times of a model vs humans on the Geirhos et al. (2019) experiments.

    Parameters
    ----------
    experiments
        ``("edge",)``, ``("silhouette",)`` or both.
    rt_source
        One of :data:`RT_SOURCES`.
    root
        The ``geirhos2019`` data folder (default: the shipped one).
    """

    def __init__(self, experiments=("edge", "silhouette"), rt_source: str = "auto", root=None) -> None:
        experiments = tuple(experiments)
        unknown = [e for e in experiments if e not in EXPERIMENTS]
        if unknown or not experiments:
            raise NeurogrowError(f"Geirhos 2019 experiments {list(experiments)}: expected some of {', '.join(EXPERIMENTS)}")
        if rt_source not in RT_SOURCES:
            raise NeurogrowError(f"rt_source {rt_source!r}: expected one of {', '.join(RT_SOURCES)}")
        self.experiments = experiments
        self.rt_source = rt_source
        self._assemblies = {e: load_assembly(e, root) for e in experiments}
        name = experiments[0] if len(experiments) == 1 else ""
        suffix = "" if rt_source == "auto" else f"_{rt_source}"
        super().__init__(
            identifier=f"Geirhos2019{name}-rt{suffix}",
            version=1,
            ceiling_func=self._compute_ceiling,
            parent="Geirhos2019-rt",
            bibtex=BIBTEX,
        )

    def stimulus_set(self, experiment: str):
        """The StimulusSet of one experiment."""
        return self._assemblies[experiment].attrs["stimulus_set"]

    def _compute_ceiling(self) -> Score:
        values = {e: rt_ceiling(a) for e, a in self._assemblies.items()}
        if len(values) == 1:
            return next(iter(values.values()))
        ceiling = Score([float(v) for v in values.values()], coords={"experiment": list(values)}, dims=["experiment"])
        ceiling.attrs["ci95"] = {e: v.attrs["ci95"] for e, v in values.items()}
        return ceiling

    def _source(self, candidate) -> str:
        if self.rt_source == "auto":
            return "native" if supports_native(candidate) else "temporal"
        if self.rt_source == "native" and not supports_native(candidate):
            raise NeurogrowError(
                f"benchmark {self.identifier}: model {candidate.identifier} declares no reaction_time task; "
                "use the temporal benchmark instead"
            )
        return self.rt_source

    def __call__(self, candidate) -> Score:
        source = self._source(candidate)
        ceiling = self.ceiling
        rows, raws, ceileds = [], [], []
        for e in progress(self.experiments, desc=self.identifier, unit="experiment"):
            stimulus_set = place_on_screen(
                self.stimulus_set(e), target_visual_degrees=candidate.visual_degrees(), source_visual_degrees=VISUAL_DEGREES
            )
            ids = stimulus_set["stimulus_id"].to_numpy()
            if source == "native":
                model_rt = native_reaction_times(candidate, stimulus_set)
            else:
                model_rt, _ = temporal_reaction_times(candidate, stimulus_set)
            human = human_rt(self._assemblies[e]).reindex(ids).to_numpy()
            keep = np.isfinite(human)
            c = float(ceiling) if len(self.experiments) == 1 else float(ceiling.sel(experiment=e))
            raw, ceiled = rt_score(model_rt[keep], human[keep], c)
            raws.append(raw)
            ceileds.append(ceiled)
            rows.append(
                pd.DataFrame(
                    {"experiment": e, "stimulus_id": ids[keep], "model_rt": model_rt[keep], "human_mean_log_rt": human[keep]}
                )
            )
        if len(self.experiments) == 1:
            score = Score(ceileds[0])
            score.attrs[Score.RAW_VALUES_KEY] = Score(raws[0])
        else:
            score = Score(float(np.mean(ceileds)))
            score.attrs[Score.RAW_VALUES_KEY] = Score(raws, coords={"experiment": list(self.experiments)}, dims=["experiment"])
            score.attrs["experiment_scores"] = dict(zip(self.experiments, ceileds))
        score.attrs["ceiling"] = ceiling
        score.attrs["rt_source"] = source
        score.attrs["per_image"] = pd.concat(rows, ignore_index=True)
        constant = [e for e, r in zip(self.experiments, raws) if not np.isfinite(r)]
        if constant:
            score.attrs["note"] = f"the model's reaction times do not vary across the images of: {', '.join(constant)}"
        return score
