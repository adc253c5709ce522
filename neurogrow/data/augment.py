"""Batched training augmentation: random translation and horizontal flip, as tensor ops."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from neurogrow.errors import DataError


def augment_batch(x: torch.Tensor, generator: torch.Generator, max_shift: int = 4, flip: bool = True) -> torch.Tensor:
    """Randomly translate and horizontally flip each image of a batch independently.

    The batch is zero-padded by ``max_shift`` once (zero is the mean colour of normalised
    inputs) and every image is cropped back at its own offset with two ``gather`` calls, so there
    is no Python loop over images. Random numbers are drawn from ``generator`` on its own device
    and moved to ``x``'s device, so a CPU generator works with a CUDA batch and the result is
    reproducible from the generator's state.

    Parameters
    ----------
    x : torch.Tensor
        Batch of shape (N, C, H, W).
    generator : torch.Generator
        Source of randomness.
    max_shift : int
        Largest shift in pixels along each axis (shifts are uniform in ``-max_shift..max_shift``).
    flip : bool
        Flip each image horizontally with probability 1/2.

    Returns
    -------
    torch.Tensor
        A new tensor of the same shape, dtype and device as ``x``.
    """
    if x.dim() != 4:
        raise DataError(f"augment_batch: input of shape {tuple(x.shape)}; expected (N, C, H, W)")
    if max_shift < 0:
        raise DataError(f"augment_batch: max_shift={max_shift}; expected a non-negative integer")
    n, c, h, w = x.shape
    gdev = generator.device
    shifts = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator, device=gdev).to(x.device)
    flips = (torch.rand(n, generator=generator, device=gdev) < 0.5).to(x.device) if flip else None
    padded = F.pad(x, (max_shift, max_shift, max_shift, max_shift)) if max_shift else x
    rows = torch.arange(h, device=x.device) + max_shift + shifts[:, :1]  # (N, H)
    cols = torch.arange(w, device=x.device).expand(n, w)
    if flips is not None:
        cols = torch.where(flips[:, None], cols.flip(1), cols)
    cols = cols + max_shift + shifts[:, 1:]  # (N, W)
    out = padded.gather(2, rows[:, None, :, None].expand(n, c, h, padded.shape[3]))
    return out.gather(3, cols[:, None, None, :].expand(n, c, h, w))
