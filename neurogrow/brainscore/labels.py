"""Which of a Brain-Score label task's choice labels a neurogrow model can answer.

A neurogrow model knows the classes it was trained on (``model.class_names``; CIFAR-10 for the
shipped models). Brain-Score's behavioural benchmarks name their choices in their own words
(Geirhos et al.: ``airplane, bear, bicycle, bird, boat, ...``). A choice label maps to a model
class when it is the class's name or one of the aliases in :data:`ALIASES`; a choice that maps
to no class can never be chosen. The mapping is one-to-one on the model side: two choice labels
that map to the same class share its probability, and the first of them in the list is chosen.

A model trained on your own folder (``data.dataset = "folder"``) knows that folder's class names.
When they are all ImageNet synset ids (``n01440764``, the folder names of an ImageNet-style
training folder), the choice labels ``'imagenet'`` mean the model's own classes, answered as
their synset ids.
"""
from __future__ import annotations

import re

from neurogrow.errors import NeurogrowError

#: An ImageNet synset id, e.g. ``n01440764``: the folder names of an ImageNet-style training folder.
SYNSET = re.compile(r"^n\d{8}$")

__all__ = ["ALIASES", "SYNSET", "UnsupportedLabels", "choice_classes", "class_of_label"]


class UnsupportedLabels(NeurogrowError, NotImplementedError):
    """A label set the model cannot answer (``'imagenet'``): a ``NotImplementedError``, as ``BrainModel`` raises for what a model does not do."""

#: Brain-Score / ImageNet-style labels that mean a CIFAR-10 class (the class name itself included).
ALIASES: dict[str, tuple[str, ...]] = {
    "airplane": ("airplane", "aeroplane", "plane", "airliner"),
    "automobile": ("automobile", "car"),
    "bird": ("bird",),
    "cat": ("cat",),
    "deer": ("deer",),
    "dog": ("dog",),
    "frog": ("frog",),
    "horse": ("horse",),
    "ship": ("ship", "boat"),
    "truck": ("truck",),
}


def class_of_label(label: str, class_names: list[str]) -> int | None:
    """Index in ``class_names`` of the model class that the choice ``label`` means, or None."""
    key = str(label).strip().lower()
    for index, name in enumerate(class_names):
        if key == name.lower() or key in ALIASES.get(name.lower(), ()):
            return index
    return None


def choice_classes(choice_labels, class_names: list[str]) -> list[int | None]:
    """Model class index for each choice label (None where the model knows no such class).

    Raises
    ------
    UnsupportedLabels
        If ``choice_labels`` is ``'imagenet'`` (the model has no ImageNet synsets).
    NeurogrowError
        If the list is empty or none of the labels maps to a class the model knows.
    """
    if choice_labels is None:
        raise NeurogrowError("label task: no choice labels; expected a list of labels, e.g. ['airplane', 'car', 'dog']")
    if isinstance(choice_labels, str):
        if choice_labels == "imagenet" and class_names and all(SYNSET.match(c) for c in class_names):
            return list(range(len(class_names)))
        if choice_labels == "imagenet":
            raise UnsupportedLabels(
                f"label task 'imagenet': this model knows the {len(class_names)} classes {', '.join(class_names[:12])}, "
                "not ImageNet synsets (train on a folder whose class folders are synset ids, e.g. n01440764); "
                "it declines ImageNet label benchmarks"
            )
        raise NeurogrowError(f"label task: choice labels {choice_labels!r}; expected a list of labels or 'imagenet'")
    labels = [str(c) for c in choice_labels]
    if not labels:
        raise NeurogrowError("label task: the list of choice labels is empty; expected at least one label")
    classes = [class_of_label(c, class_names) for c in labels]
    if all(c is None for c in classes):
        raise NeurogrowError(
            f"label task: none of the choice labels ({', '.join(labels[:8])}{', ...' if len(labels) > 8 else ''}) "
            f"is a class this model knows ({', '.join(class_names)}); see neurogrow.brainscore.labels.ALIASES"
        )
    return classes


def choice_names(choice_labels, class_names: list[str]) -> list[str]:
    """The label answered for each choice of :func:`choice_classes`: the choice labels as given,
    or for ``'imagenet'`` the model's synset ids."""
    if isinstance(choice_labels, str) and choice_labels == "imagenet":
        return list(class_names)
    return [str(c) for c in choice_labels]
