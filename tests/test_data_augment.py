"""augment_batch: shape, reproducibility, and equality with a per-image reference."""
import pytest
import torch
import torch.nn.functional as F

from neurogrow.data import augment_batch
from neurogrow.errors import DataError


def batch(n=6, c=3, h=8, w=10):
    return torch.arange(n * c * h * w, dtype=torch.float32).reshape(n, c, h, w) + 1


def reference(x, seed, max_shift, flip):
    """Per-image loop drawing the same random numbers as augment_batch."""
    g = torch.Generator().manual_seed(seed)
    n, _, h, w = x.shape
    shifts = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=g)
    flips = torch.rand(n, generator=g) < 0.5 if flip else torch.zeros(n, dtype=torch.bool)
    padded = F.pad(x, (max_shift,) * 4)
    out = []
    for i in range(n):
        dy, dx = (int(v) + max_shift for v in shifts[i])
        crop = padded[i, :, dy:dy + h, dx:dx + w]
        out.append(crop.flip(-1) if flips[i] else crop)
    return torch.stack(out)


@pytest.mark.parametrize("max_shift, flip", [(4, True), (2, False), (0, True)])
def test_matches_per_image_reference(max_shift, flip):
    x = batch()
    out = augment_batch(x, torch.Generator().manual_seed(11), max_shift=max_shift, flip=flip)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert torch.equal(out, reference(x, 11, max_shift, flip))


def test_reproducible_from_generator_and_varies_with_seed():
    x = batch(n=32)
    a = augment_batch(x, torch.Generator().manual_seed(0))
    b = augment_batch(x, torch.Generator().manual_seed(0))
    c = augment_batch(x, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a, x)


def test_images_are_augmented_independently():
    x = batch(n=1).expand(64, -1, -1, -1).contiguous()
    out = augment_batch(x, torch.Generator().manual_seed(3), max_shift=3)
    distinct = {tuple(o.flatten().tolist()) for o in out}
    assert len(distinct) > 10


def test_no_shift_no_flip_is_identity():
    x = batch()
    assert torch.equal(augment_batch(x, torch.Generator().manual_seed(0), max_shift=0, flip=False), x)


def test_bad_inputs_are_rejected():
    with pytest.raises(DataError, match=r"expected \(N, C, H, W\)"):
        augment_batch(torch.zeros(3, 8, 8), torch.Generator())
    with pytest.raises(DataError, match="max_shift=-1"):
        augment_batch(batch(), torch.Generator(), max_shift=-1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cpu_generator_with_cuda_batch():
    x = batch()
    out = augment_batch(x.cuda(), torch.Generator().manual_seed(5))
    assert out.is_cuda
    assert torch.equal(out.cpu(), augment_batch(x, torch.Generator().manual_seed(5)))
