"""Image datasets (CIFAR-10, Fashion-MNIST, image folders), occlusion and augmentation."""
from neurogrow.data.augment import augment_batch
from neurogrow.data.cache import default_cache_dir
from neurogrow.data.cifar10 import CIFAR10_CLASSES
from neurogrow.data.dataset import ImageDataset, select_classes
from neurogrow.data.fashion_mnist import FASHION_MNIST_CLASSES
from neurogrow.data.image_folder import load_image_folder
from neurogrow.data.load import DATASET_NAMES, load_dataset
from neurogrow.data.occlusion import occlude, occluder_mask
from neurogrow.data.paths import default_data_root

__all__ = [
    "CIFAR10_CLASSES",
    "DATASET_NAMES",
    "FASHION_MNIST_CLASSES",
    "ImageDataset",
    "augment_batch",
    "default_cache_dir",
    "default_data_root",
    "load_dataset",
    "load_image_folder",
    "occlude",
    "occluder_mask",
    "select_classes",
]
