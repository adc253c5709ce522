"""Checks of an image folder given to ``extract --images``: the level of the class folders, and class
folders that are not the model's classes (said on stderr, with the count)."""
from __future__ import annotations

import sys
from pathlib import Path

from neurogrow.data import ImageDataset
from neurogrow.data.image_folder import scan_folder
from neurogrow.errors import DataError


def check_class_level(root: str | Path) -> None:
    """Refuse a folder one level too high: no image sits in ``root`` or in a subfolder of it, all sit
    deeper (``root/<a>/<b>/<image>``), so the subfolders would be taken for classes. The message names
    the subfolders that hold class folders of images, the level that looks right."""
    root = Path(root).expanduser()
    if not root.is_dir():
        return  # load_image_folder says what is wrong
    found, _ = scan_folder(root)
    depths = [len(f.relative_to(root).parts) for f in found]
    if not found or min(depths) < 3:
        return
    levels = sorted({f.relative_to(root).parts[0] for f in found})
    example = found[0].relative_to(root).as_posix()
    classes = sorted({f.relative_to(root).parts[1] for f in found if f.relative_to(root).parts[0] == levels[0]})
    shown = ", ".join(f"{root / lv}" for lv in levels[:4]) + (f" and {len(levels) - 4} more" if len(levels) > 4 else "")
    raise DataError(
        f"{root}: its subfolders ({', '.join(lv + '/' for lv in levels[:6])}) hold folders of images, not images "
        f"(e.g. {example}), so they would be taken for classes; expected DIR/<class>/<image>: pass the level "
        f"that holds the class folders, e.g. {shown} (classes {', '.join(classes[:5])}{', ...' if len(classes) > 5 else ''})"
    )


def class_mismatch(data: ImageDataset, class_names: list[str], mapping: dict[str, str | None], class_map) -> str | None:
    """A line saying how many class folders are not among the model's classes, or None if all are."""
    if not data.class_names:
        return None
    missing = [c for c in data.class_names if mapping.get(c, c if c in class_names else None) is None]
    if not missing:
        return None
    index = {c: i for i, c in enumerate(data.class_names)}
    n_images = sum(int((data.labels == index[c]).sum()) for c in missing)
    how = "with --class-map " + str(class_map) if class_map is not None else "without --class-map"
    return (
        f"{len(missing)} of {len(data.class_names)} class folders are not among the model's {len(class_names)} classes "
        f"{how} ({', '.join(missing[:8])}{', ...' if len(missing) > 8 else ''}): their {n_images} images get "
        f"correct = n/a{'' if class_map is not None else '; map folder names to classes with --class-map NAME|CSV (e.g. geirhos16)'}"
    )


def warn(message: str | None) -> None:
    """``message`` on stderr (also when progress is quiet: it is about the results, not the progress)."""
    if message:
        print(f"neurogrow extract: note: {message}", file=sys.stderr, flush=True)
