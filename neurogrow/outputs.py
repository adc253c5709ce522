"""Writing results safely: checks, JSON without NaN, locks, temporary files and folders then rename.

:func:`atomic_path` is the one atomic file write of the package: every file written by
neurogrow (times files, checkpoints, model files, JSON and CSV results, data caches) goes
through it, and :func:`atomic_output_dir` does the same for whole result folders.

Every command that writes a result follows the same protocol (``docs/outputs.md``):

1. :func:`output_lock` takes an exclusive lock on the target (a file ``.<name>.lock`` beside it,
   locked with ``flock``; the kernel releases it when the process dies, so a killed run never
   blocks the next one). A second process that wants the same target while the lock is held
   fails at once with a one-line error: two writers of one ``--out`` cannot both succeed.
2. Under the lock, :func:`remove_debris` deletes what an interrupted write of the same target
   left behind (``.<name>.tmp-*`` folders, ``.<name>.*.tmp`` files, a stale lock file) and puts a
   previous result back if a kill fell between the two renames of a replacement.
3. The result is written to a temporary file or folder beside the target and renamed into
   place at the end (:func:`atomic_output_dir`, :func:`atomic_file`); without ``overwrite`` the
   final rename refuses to replace anything that appeared meanwhile.
"""
from __future__ import annotations

import errno
import fcntl
import glob
import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from neurogrow.errors import NeurogrowError

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read by setting it and restoring it at once, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def apply_umask(path: str | os.PathLike, recursive: bool = False) -> None:
    """Give ``path`` the permissions ``open()`` / ``mkdir()`` would have: 0666 (files) or 0777 (folders) less the umask.

    ``tempfile.mkstemp`` and ``mkdtemp`` create owner-only (0600 / 0700) entries; the two
    atomic writers (:func:`atomic_path`, :func:`atomic_output_dir`) call this on their
    temporary file or folder, so results are as readable by colleagues as a plain ``open()``
    would have made them. With ``recursive``, a folder's contents are set too.
    """
    mask = current_umask()
    path = Path(path)

    def _one(p: Path) -> None:
        os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~mask)

    _one(path)
    if recursive and path.is_dir():
        for sub in path.rglob("*"):
            if not sub.is_symlink():
                _one(sub)


#: Locks this process holds: absolute target path -> [file descriptor, depth] (the lock is re-entrant).
_HELD: dict[str, list] = {}


def check_writable(path: str | os.PathLike) -> Path:
    """Check that ``path`` can be created: its nearest existing ancestor is a folder we can write in.

    Nothing is left behind (a probe file is created and removed at once).
    """
    path = Path(path).absolute()
    anc = path.parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise NeurogrowError(f"{path}: {anc} is a file, not a folder; expected an output path inside a writable folder")
    try:
        fd, probe = tempfile.mkstemp(dir=anc, prefix=".neurogrow-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise NeurogrowError(
            f"{path}: cannot write in {anc} ({exc.strerror or type(exc).__name__}); expected a writable output location"
        ) from None
    return path


def check_out_dir(out_dir: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse an existing non-empty output folder (or a file) unless ``overwrite``; check it is writable."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NeurogrowError(f"{out}: exists and is not a folder; expected an output folder")
    if out.is_dir() and any(p for p in out.iterdir()) and not overwrite:
        raise NeurogrowError(f"{out}: folder exists and is not empty; pass --overwrite to replace it")
    check_writable(out)
    return out


def check_out_file(path: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse a folder, or an existing file unless ``overwrite``; check that the file can be written."""
    path = Path(path)
    if path.is_dir():
        raise NeurogrowError(f"{path}: is a folder; expected a file path for --out")
    if path.exists() and not overwrite:
        raise NeurogrowError(f"{path}: already exists; pass --overwrite to replace it")
    check_writable(path)
    return path


def json_safe(o):
    """Non-finite floats -> None (JSON has no NaN) and NumPy scalars -> Python, recursively."""
    if isinstance(o, dict):
        return {k: json_safe(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_safe(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return float(o) if math.isfinite(float(o)) else None
    if isinstance(o, np.integer):
        return int(o)
    return o


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def summary_json(summary: dict) -> str:
    """``summary`` as indented, strict JSON: NaN and infinities written as null (JSON has neither)."""
    return json.dumps(json_safe(summary), indent=2, default=_json_default, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- locks and debris


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode(errors="replace").strip()
    except OSError:
        return ""


@contextmanager
def output_lock(target: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on writing ``target`` (a file or folder) for the duration of the block.

    Re-entrant within a process. Raises :class:`NeurogrowError` at once if another process holds
    it. Parent folders created for the lock file are removed again if they are empty at the end.
    """
    target = Path(target).absolute()
    key = str(target)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield target
        finally:
            _HELD[key][1] -= 1
        return
    check_writable(target)
    created = [p for p in reversed(target.parents) if not p.exists()]
    lock = _lock_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_holder(fd)
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise NeurogrowError(
                        f"{target}: another process{f' (pid {holder})' if holder else ''} is writing this output "
                        f"(lock {lock.name}); expected one writer at a time: wait for it or choose another output"
                    ) from None
                raise
            try:  # the holder we waited on may have removed the file: lock the file that is there now
                same = os.fstat(fd).st_ino == os.stat(lock).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
    except OSError as exc:
        _remove_empty(created)
        raise NeurogrowError(
            f"{target}: cannot create the lock {lock} ({exc.strerror or type(exc).__name__}); expected a writable output location"
        ) from None
    except BaseException:
        _remove_empty(created)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _HELD[key] = [fd, 1]
    try:
        yield target
    finally:
        del _HELD[key]
        with suppress(OSError):
            os.unlink(lock)
        os.close(fd)
        _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    for p in reversed(folders):
        try:
            p.rmdir()
        except OSError:
            break


def _rm(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            p.unlink()


def remove_debris(target: str | os.PathLike) -> list[Path]:
    """Remove what interrupted writes of ``target`` left beside it; returns the removed paths.

    Call it holding :func:`output_lock` on ``target`` (then no other process is writing it).
    If ``target`` is missing but a replaced previous result (``.<name>.old-*``) survived a kill
    between the two renames of :func:`atomic_output_dir`, that result is put back first.
    """
    target = Path(target).absolute()
    parent = target.parent
    if not parent.is_dir():
        return []
    name = glob.escape(target.name)
    olds = sorted(parent.glob(f".{name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        os.rename(olds[-1], target)
        olds = olds[:-1]
    removed = []
    for p in [*parent.glob(f".{name}.tmp-*"), *parent.glob(f".{name}.*.tmp"), *olds]:
        _rm(p)
        removed.append(p)
    return removed


def remove_temp_files(folder: str | os.PathLike) -> list[Path]:
    """Remove every temporary file (``.<name>.*.tmp``) that interrupted atomic writes left inside ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = [p for p in folder.glob(".*.tmp") if p.is_file()]
    for p in removed:
        _rm(p)
    return removed


# --------------------------------------------------------------------------- atomic writes


@contextmanager
def atomic_output_dir(out_dir: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir``.

    The whole block holds :func:`output_lock` on ``out_dir``; debris of an interrupted earlier
    write is removed first. On any error the temporary folder, and any parent folders this call
    created, are removed: nothing is left behind and an existing ``out_dir`` is untouched.
    Without ``overwrite`` a non-empty ``out_dir`` that appeared meanwhile is not replaced.
    """
    out = Path(out_dir).absolute()
    with output_lock(out):
        remove_debris(out)
        check_out_dir(out, overwrite)
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
        try:
            yield tmp
            apply_umask(tmp)  # mkdtemp makes it 0700
            if out.exists():
                if not out.is_dir() or (any(out.iterdir()) and not overwrite):
                    raise NeurogrowError(f"{out}: appeared while this result was being written; not replaced (pass --overwrite to replace it)")
                old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
                os.rmdir(old)
                os.rename(out, old)
                os.rename(tmp, out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


@contextmanager
def atomic_path(path: str | os.PathLike, fsync: bool = False, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary file beside ``path``; on success it is renamed over ``path``.

    The caller writes the temporary file (by path, or by opening it). On any error it is
    removed and an existing ``path`` is untouched; a reader never sees a half-written file.
    The folder of ``path`` is created if needed; the file gets the umask's usual permissions.

    Parameters
    ----------
    path
        Destination file.
    fsync
        Flush the file to disk before the rename (checkpoints and model files).
    overwrite
        False: never replace an existing ``path``, also one that appeared meanwhile (the final
        step is then a hard link, which never replaces).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        apply_umask(tmp)  # mkstemp makes it 0600
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _link_new(tmp: Path, path: Path) -> None:
    """Put ``tmp`` at ``path`` unless something is there (a hard link: never replaces)."""
    appeared = f"{path}: appeared while this file was being written; not replaced (pass --overwrite to replace it)"
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise NeurogrowError(appeared) from None
    except OSError:  # no hard links on this file system
        if path.exists():
            raise NeurogrowError(appeared) from None
        os.replace(tmp, path)
    tmp.unlink(missing_ok=True)


@contextmanager
def atomic_file(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """:func:`atomic_path` for a command's ``--out`` file, under the protocol of this module.

    Holds :func:`output_lock` on ``path`` and removes debris of earlier interrupted writes first.
    Without ``overwrite`` an existing ``path`` is refused, also one that appeared meanwhile.
    """
    path = Path(path).absolute()
    with output_lock(path):
        remove_debris(path)
        check_out_file(path, overwrite)
        with atomic_path(path, overwrite=overwrite) as tmp:
            yield tmp


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_json(path: str | os.PathLike, data: dict) -> Path:
    """Write ``data`` as indented, strict JSON (:func:`summary_json`: NaN and infinities as null)
    atomically: a temporary file beside ``path``, then a rename."""
    return write_text(path, summary_json(data))


def replace_between(text: str, start: str, end: str, body: str, where: str = "the text") -> str:
    """``text`` with what lies between the markers ``start`` and ``end`` replaced by ``body`` (README's
    generated tables); :class:`~neurogrow.errors.NeurogrowError` naming ``where`` if a marker is missing."""
    from neurogrow.errors import NeurogrowError

    head, sep, rest = text.partition(start)
    _, sep2, tail = rest.partition(end)
    if not sep or not sep2:
        raise NeurogrowError(f"{where} lacks the markers {start!r} ... {end!r}")
    return f"{head}{start}\n{body}\n{end}{tail}"
