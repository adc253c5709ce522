"""Brain-Score data plugin: per-trial reaction times of Geirhos et al. (2019), edge and silhouette experiments.

160 images (16 categories) per experiment, 10 subjects each, every trial with its reaction time
(``response_time``, s). The stimuli and trials ship with neurogrow (see ``data.py``); nothing is
downloaded. Brain-Score's own ``Geirhos2021_edge`` / ``Geirhos2021_silhouette`` assemblies come
from the same experiments and also carry ``response_time`` (their packaging code reads the CSVs'
``rt`` column), but they are fetched from Brain-Score's S3 storage; this plugin reads the shipped
files so that it runs offline.
"""
from brainscore_vision import data_registry, stimulus_set_registry

from .data import load_assembly, load_stimulus_set

BIBTEX = """@inproceedings{geirhos2019imagenettrained,
  title={ImageNet-trained {CNN}s are biased towards texture; increasing shape bias improves accuracy and robustness},
  author={Geirhos, Robert and Rubisch, Patricia and Michaelis, Claudio and Bethge, Matthias and Wichmann, Felix A. and Brendel, Wieland},
  booktitle={International Conference on Learning Representations},
  year={2019},
  url={https://openreview.net/forum?id=Bygh9j09KX}
}"""

data_registry['Geirhos2019_rt_edge'] = lambda: load_assembly('edge')
data_registry['Geirhos2019_rt_silhouette'] = lambda: load_assembly('silhouette')
stimulus_set_registry['Geirhos2019_rt_edge'] = lambda: load_stimulus_set('edge')
stimulus_set_registry['Geirhos2019_rt_silhouette'] = lambda: load_stimulus_set('silhouette')
