"""Brain-Score benchmark plugin: per-image reaction times of Geirhos et al. (2019), one benchmark per experiment.

``Geirhos2019edge-rt`` and ``Geirhos2019silhouette-rt`` (parent: ``Geirhos2019-rt``, a group):
Spearman correlation of a model's per-image reaction time with the human mean log RT, over the
ceiling (split-half reliability of the humans). The model's RT is read from its time-binned IT
responses by the ``solution_time_rt`` metric, so any BrainModel can be scored; the data come from
the ``Geirhos2019_rt_<experiment>`` data plugin. See ``benchmark.py``.
"""
from brainscore_vision import benchmark_registry

from .benchmark import Geirhos2019ReactionTime

benchmark_registry['Geirhos2019edge-rt'] = lambda: Geirhos2019ReactionTime('edge')
benchmark_registry['Geirhos2019silhouette-rt'] = lambda: Geirhos2019ReactionTime('silhouette')
