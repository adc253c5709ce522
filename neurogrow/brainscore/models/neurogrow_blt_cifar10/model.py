"""The shipped neurogrow models as Brain-Score models (weights ship with the neurogrow package)."""
from __future__ import annotations

from neurogrow.brainscore.brain_model import NeurogrowBrainModel, layer_names
from neurogrow.errors import NeurogrowError

#: Brain-Score identifier -> shipped neurogrow model.
MODELS = {
    "neurogrow-blt-cifar10-adaptive": "blt-cifar10-adaptive",
    "neurogrow-blt-cifar10-fixed-time": "blt-cifar10-fixed-time",
    "neurogrow-blt-cifar10-one-step": "blt-cifar10-one-step",
    "neurogrow-blt-cifar10-plain": "blt-cifar10-plain",
}

BIBTEX = """@article{butkus2026growing,
  title={Growing a Neural Network in Breadth, Depth, and Time},
  author={Butkus and Garz{\\'o}n Gupta and Kriegeskorte},
  journal={arXiv preprint arXiv:2605.25174},
  year={2026},
  url={https://arxiv.org/abs/2605.25174}
}"""


def _shipped(identifier: str) -> str:
    if identifier not in MODELS:
        raise NeurogrowError(f"unknown model identifier {identifier!r}; this plugin has {', '.join(MODELS)}")
    return MODELS[identifier]


def get_model(identifier: str) -> NeurogrowBrainModel:
    """The BrainModel of a shipped neurogrow model."""
    from neurogrow import load_model

    return NeurogrowBrainModel(load_model(_shipped(identifier)), identifier)


def get_layers(identifier: str) -> list[str]:
    """The model's layers, bottom first (``layer1`` ... ``layerL``)."""
    from neurogrow import load_model

    return layer_names(load_model(_shipped(identifier)).num_layers)


def get_bibtex(identifier: str) -> str:
    """Citation of the method behind the model."""
    _shipped(identifier)
    return BIBTEX
