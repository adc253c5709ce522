"""Brain-Score benchmark plugin: per-image reaction times of Geirhos et al. (2019).

``-rt``: the model's own reaction time if it declares one (``reaction_time`` task), else the
model-agnostic solution time from its time-binned IT responses; ``-rt_temporal``: always the
latter. Without an experiment name, both experiments (edge, silhouette), scored separately and
averaged.
"""
from brainscore_vision import benchmark_registry

from .benchmark import Geirhos2019ReactionTime

benchmark_registry['Geirhos2019-rt'] = lambda: Geirhos2019ReactionTime(("edge", "silhouette"), "auto")
benchmark_registry['Geirhos2019edge-rt'] = lambda: Geirhos2019ReactionTime(("edge",), "auto")
benchmark_registry['Geirhos2019silhouette-rt'] = lambda: Geirhos2019ReactionTime(("silhouette",), "auto")
benchmark_registry['Geirhos2019-rt_temporal'] = lambda: Geirhos2019ReactionTime(("edge", "silhouette"), "temporal")
benchmark_registry['Geirhos2019edge-rt_temporal'] = lambda: Geirhos2019ReactionTime(("edge",), "temporal")
benchmark_registry['Geirhos2019silhouette-rt_temporal'] = lambda: Geirhos2019ReactionTime(("silhouette",), "temporal")
