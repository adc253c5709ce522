"""Throughput of the folder dataset (``data.dataset = "folder"``): decoding once, reading the cache,
and an epoch over the memory-mapped images.

Generates a folder of JPEG photos-to-be (``--images`` of ``--source-size`` pixels, smooth random
colour fields plus noise, in 10 class folders, one ``DIR/<class>/<image>`` folder split 80/20), then
measures:

- ``decode``: the first :func:`neurogrow.data.folder.folder_splits` (scan, check, decode every
  image with a thread pool, resize to ``--image-size``, stream into the cache file), images/s;
- ``cached``: the same call again (scan, content key, memory-map the cache), seconds;
- ``data_epoch``: one pass of the training loop's data path over the training split (random
  order, gather a batch from the memory-mapped array, normalise, augment), images/s;
- ``train_epoch``: one epoch of :class:`neurogrow.train.Trainer` with a small model, images/s.

Peak resident memory is recorded beside the size of the decoded arrays. Writes
``benchmarks/results/speed/folder_dataset.json``::

    python benchmarks/speed/folder_dataset.py --images 20000
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import add_device_args, code_state, hardware, out_path, setup_device, write_json

from neurogrow.data import augment_batch
from neurogrow.data.folder import folder_splits
from neurogrow.model.config import ModelConfig
from neurogrow.model.inputs import channel_stats, to_input


def generate(root: Path, n: int, size: tuple[int, int], classes: int = 10, seed: int = 0) -> float:
    """Write ``n`` JPEGs into ``root/c<k>/``; returns the seconds taken."""
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    w, h = size
    for i in range(n):
        k = i % classes
        folder = root / f"c{k}"
        folder.mkdir(parents=True, exist_ok=True)
        coarse = rng.uniform(0, 255, (h // 8 + 1, w // 8 + 1, 3))
        img = np.kron(coarse, np.ones((8, 8, 1)))[:h, :w] + rng.normal(0, 20, (h, w, 3))
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(folder / f"{i:06d}.jpg", quality=90)
    return time.perf_counter() - start


def data_epoch(images: np.ndarray, batch_size: int, device: torch.device) -> float:
    """Seconds for one pass of the training loop's data path over ``images``."""
    config = ModelConfig(in_channels=images.shape[-1], image_size=images.shape[1])
    mean, std = channel_stats(images)
    config.input_mean, config.input_std = mean, std
    tensor = torch.from_numpy(images).to(device)
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    perm = torch.randperm(len(images), generator=gen).to(device)
    for b in range(0, len(images), batch_size):
        x = to_input(tensor[perm[b : b + batch_size]], config)
        x = augment_batch(x, gen, max_shift=4, flip=True)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def train_epoch(root: Path, cache: Path, args: argparse.Namespace, out: Path) -> dict:
    import os

    from neurogrow.train import Trainer, load_config

    os.environ["NEUROGROW_CACHE"] = str(cache)
    sets = [
        "data.dataset=folder", f"data.root={root}", f"data.image_size={args.image_size}", "model.channels=[16,32]",
        "model.max_channels=32", "model.max_layers=2", "model.steps=3", "model.max_steps=3", "growth.enabled=false",
        "optim.epochs=1", "optim.batch_size=128", f"device={args.device}", f"amp={str(args.amp).lower()}",
    ]
    trainer = Trainer(load_config(None, sets), out, progress=False)
    row = trainer.run()
    return {"seconds": row["seconds"], "images_per_s": len(trainer.train_data) / row["seconds"], "model": "channels [16, 32], T = 3"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=20000, help="images in the generated folder (default 20000)")
    ap.add_argument("--source-size", default="96x72", help="generated JPEG size WxH (default 96x72)")
    ap.add_argument("--image-size", type=int, default=32, help="data.image_size (default 32)")
    ap.add_argument("--work", default=None, help="folder for the images and the cache (default: a temporary folder, removed)")
    ap.add_argument("--no-train", action="store_true", help="skip the training epoch")
    add_device_args(ap)
    args = ap.parse_args()
    device = setup_device(args)
    path = out_path(args, "folder_dataset")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="neurogrow-folder-bench-"))
    try:
        root, cache = work / "images", work / "cache"
        w, h = (int(v) for v in args.source_size.split("x"))
        gen_s = generate(root, args.images, (w, h)) if not root.is_dir() else None
        folder_bytes = sum(f.stat().st_size for f in root.rglob("*.jpg"))
        shutil.rmtree(cache, ignore_errors=True)
        start = time.perf_counter()
        train, test, _ = folder_splits(root, args.image_size, 3, cache_dir=cache)
        decode_s = time.perf_counter() - start
        rss_decode = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        start = time.perf_counter()
        train, test, _ = folder_splits(root, args.image_size, 3, cache_dir=cache)
        cached_s = time.perf_counter() - start
        epoch_s = data_epoch(train.images, 256, device)
        n = len(train) + len(test)
        result = {
            "benchmark": "folder_dataset",
            "images": n,
            "train_images": len(train),
            "source": f"{args.images} JPEG files of {w}x{h} (quality 90), {folder_bytes / 2**20:.1f} MiB, 10 classes",
            "image_size": args.image_size,
            "generate_seconds": gen_s,
            "decode": {"seconds": decode_s, "images_per_s": n / decode_s},
            "cached": {"seconds": cached_s, "images_per_s": n / cached_s},
            "data_epoch": {"seconds": epoch_s, "images_per_s": len(train) / epoch_s, "batch_size": 256},
            "decoded_bytes": int(train.images.nbytes + test.images.nbytes),
            "peak_rss_bytes_after_decode": int(rss_decode),
            "hardware": hardware(device, args.amp),
            "code": code_state(["neurogrow/data", "benchmarks/speed/folder_dataset.py"]),
        }
        if not args.no_train:
            result["train_epoch"] = train_epoch(root, cache, args, work / "run")
        result["peak_rss_bytes"] = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    write_json(path, result)
    print(json.dumps({k: result[k] for k in ("images", "decode", "cached", "data_epoch") if k in result}, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
