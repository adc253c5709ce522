"""Brain-Score metric plugin: per-image reaction times decoded from time-binned responses vs human RTs.

``solution_time_rt``: a model's solution time per image, read from its time-binned responses by
cross-validated decoders (after Brain-Score's ``ost`` metric), Spearman-correlated with the human
reaction time per image. See ``metric.py``.
"""
from brainscore_vision import metric_registry

from .metric import SolutionTimeRT

metric_registry['solution_time_rt'] = SolutionTimeRT

BIBTEX = """@article{kubiliusschrimpf2019brain,
  title={Brain-like object recognition with high-performing shallow recurrent {ANN}s},
  author={Kubilius, Jonas and Schrimpf, Martin and Kar, Kohitij and Rajalingham, Rishi and Hong, Ha and Majaj, Najib and Issa, Elias and Bashivan, Pouya and Prescott-Roy, Jonathan and Schmidt, Kailyn and others},
  journal={Advances in Neural Information Processing Systems},
  volume={32},
  year={2019},
  url={https://papers.nips.cc/paper/9441-brain-like-object-recognition-with-high-performing-shallow-recurrent-anns}
}"""
