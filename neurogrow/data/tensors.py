"""Conversion of uint8 image arrays to normalised float tensors, and per-dataset statistics."""
from __future__ import annotations

import numpy as np
import torch

from neurogrow.errors import DataError

#: Per-channel (mean, std) of each base dataset's training images, in [0, 1] units.
#: "cifar10" was measured on the 50,000 decoded JPEG training images; "cifar10-python" and
#: "fashion-mnist" are the usual values for the original training sets.
DATASET_STATS: dict[str, tuple[tuple, tuple]] = {
    "cifar10": ((0.4913, 0.4821, 0.4465), (0.2452, 0.2428, 0.2606)),
    "cifar10-python": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "fashion-mnist": ((0.2860,), (0.3530,)),
}


def to_float_tensor(images: np.ndarray, mean, std, device=None) -> torch.Tensor:
    """Convert NHWC uint8 images to a normalised NCHW float32 tensor.

    The uint8 array is moved to ``device`` first (a quarter of the bytes of float32) and converted there.

    Parameters
    ----------
    images : np.ndarray
        uint8 array of shape (N, H, W, C).
    mean, std : sequence of float
        Per-channel mean and standard deviation in [0, 1] units (length C), e.g. from
        :data:`DATASET_STATS`.
    device : torch.device or str, optional
        Target device; default CPU.

    Returns
    -------
    torch.Tensor
        ``(images / 255 - mean) / std`` as float32 of shape (N, C, H, W), contiguous.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise DataError(f"to_float_tensor: images of dtype {images.dtype} and shape {images.shape}; expected uint8 (N, H, W, C)")
    channels = images.shape[3]
    if len(mean) != channels or len(std) != channels:
        raise DataError(f"to_float_tensor: mean {tuple(mean)} and std {tuple(std)} for {channels} channels; expected {channels} values each")
    t = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    t = t.permute(0, 3, 1, 2).float().div_(255.0)
    m = torch.tensor(mean, dtype=torch.float32, device=t.device).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32, device=t.device).view(1, -1, 1, 1)
    return ((t - m) / s).contiguous()
