"""The shipped neurogrow models as Brain-Score models.

Weights: each model's file ships in the pinned neurogrow wheel (``neurogrow/zoo/<name>.pt``) and
is identified by its SHA-1 in :data:`WEIGHTS`. Once Brain-Score's maintainers have put the files on
their storage (bucket ``brainscore-storage``, folder ``brainscore-vision/models``, under
``neurogrow_blt_cifar10/``), the S3 version id of each goes into :data:`VERSION_IDS` and the file is
loaded through Brain-Score's ``load_weight_file`` (cached under ``$BRAINSCORE_HOME``); until then,
and for offline use, the wheel's file is the source. Either way the SHA-1 is checked.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from neurogrow.brainscore.brain_model import NeurogrowBrainModel, layer_names
from neurogrow.errors import NeurogrowError

#: Brain-Score identifier -> shipped neurogrow model.
MODELS = {
    "neurogrow-blt-cifar10-adaptive": "blt-cifar10-adaptive",
    "neurogrow-blt-cifar10-fixed-time": "blt-cifar10-fixed-time",
    "neurogrow-blt-cifar10-one-step": "blt-cifar10-one-step",
    "neurogrow-blt-cifar10-plain": "blt-cifar10-plain",
}

#: Brain-Score identifier -> (weight file, its SHA-1).
WEIGHTS = {
    "neurogrow-blt-cifar10-adaptive": ("blt-cifar10-adaptive.pt", "b02e9dd6deb36892d33f57c4ddb93293ec634f46"),
    "neurogrow-blt-cifar10-fixed-time": ("blt-cifar10-fixed-time.pt", "fc6881465188bc82e270b9dbbb8fb64fdfe9a4de"),
    "neurogrow-blt-cifar10-one-step": ("blt-cifar10-one-step.pt", "6501030f270d2fa695ce40334534c0cdec293e74"),
    "neurogrow-blt-cifar10-plain": ("blt-cifar10-plain.pt", "62814d9e67f45c56e9eb7694f826f3306446e632"),
}
#: Brain-Score's storage of the weights (the arguments of ``load_weight_file``).
BUCKET = "brainscore-storage"
FOLDER = "brainscore-vision/models"
PREFIX = "neurogrow_blt_cifar10"
#: Brain-Score identifier -> S3 version id of its weight file, filled in once the files are on Brain-Score's storage.
VERSION_IDS: dict[str, str] = {}

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


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weight_file(identifier: str) -> Path:
    """The model's weight file: through ``load_weight_file`` once it has a version id, else the wheel's; SHA-1 checked."""
    _shipped(identifier)
    name, sha1 = WEIGHTS[identifier]
    if identifier in VERSION_IDS:
        from brainscore_core.supported_data_standards.brainio.s3 import load_weight_file

        path = Path(load_weight_file(bucket=BUCKET, folder_name=FOLDER, relative_path=f"{PREFIX}/{name}",
                                     version_id=VERSION_IDS[identifier], sha1=sha1))
    else:
        from neurogrow.zoo import ZOO_DIR

        path = ZOO_DIR / name
    if not path.is_file():
        raise NeurogrowError(f"{path}: weight file of {identifier} not found; reinstall the pinned neurogrow")
    if _sha1(path) != sha1:
        raise NeurogrowError(f"{path}: SHA-1 {_sha1(path)} is not the pinned {sha1} of {identifier}; the file is not the released one")
    return path


def get_model(identifier: str) -> NeurogrowBrainModel:
    """The BrainModel of a shipped neurogrow model."""
    from neurogrow import load_model

    return NeurogrowBrainModel(load_model(weight_file(identifier)), identifier)


def get_layers(identifier: str) -> list[str]:
    """The model's layers, bottom first (``layer1`` ... ``layerL``)."""
    from neurogrow import load_model

    return layer_names(load_model(weight_file(identifier)).num_layers)


def get_bibtex(identifier: str) -> str:
    """Citation of the method behind the model."""
    _shipped(identifier)
    return BIBTEX
