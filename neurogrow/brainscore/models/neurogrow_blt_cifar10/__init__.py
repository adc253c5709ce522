"""Brain-Score model plugin: the lattice RCNNs shipped with neurogrow, trained on CIFAR-10.

``adaptive``: adaptive halting (the default neurogrow model); ``fixed-time``: one learned halting
distribution for all images; ``one-step``: time disabled (T = 1); ``plain``: a plain BLT window of
fixed size and fixed time. Commitments (regions, time bins, labels): ``docs/brainscore.md``.
"""
from brainscore_vision import model_registry

from .model import get_model

model_registry['neurogrow-blt-cifar10-adaptive'] = lambda: get_model('neurogrow-blt-cifar10-adaptive')
model_registry['neurogrow-blt-cifar10-fixed-time'] = lambda: get_model('neurogrow-blt-cifar10-fixed-time')
model_registry['neurogrow-blt-cifar10-one-step'] = lambda: get_model('neurogrow-blt-cifar10-one-step')
model_registry['neurogrow-blt-cifar10-plain'] = lambda: get_model('neurogrow-blt-cifar10-plain')
