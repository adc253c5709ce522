"""Brain-Score benchmark plugin: per-image reaction times of Geirhos et al. (edge and silhouette images) vs model solution times.

``Geirhos2021edge-solution_time_rt`` and ``Geirhos2021silhouette-solution_time_rt`` (parent
``Geirhos2021-solution_time_rt``): Spearman correlation of a model's per-image solution time (read
from its time-binned IT responses by the ``solution_time_rt`` metric, so any BrainModel can be
scored) with the human mean log reaction time, over the split-half ceiling of the humans. The data
are Brain-Score's ``Geirhos2021_edge`` / ``Geirhos2021_silhouette``. See ``benchmark.py``.
"""
from brainscore_vision import benchmark_registry

from .benchmark import Geirhos2021SolutionTimeRT

benchmark_registry['Geirhos2021edge-solution_time_rt'] = lambda: Geirhos2021SolutionTimeRT('edge')
benchmark_registry['Geirhos2021silhouette-solution_time_rt'] = lambda: Geirhos2021SolutionTimeRT('silhouette')
