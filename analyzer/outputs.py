"""Every file wakescope writes goes through here: contained and atomic.

Contained: the caller names a root folder (its own choice, e.g. `--out`) and every folder
below it is opened one component at a time with `O_NOFOLLOW`, so a symbolic link planted at
`OUT/reports` or `OUT/tables/apps` is refused instead of followed; the file itself is
created as a fresh temporary (`O_CREAT | O_EXCL | O_NOFOLLOW`) and renamed over the final
name, and a rename replaces a link planted there rather than writing through it.

Atomic: temporary file in the same folder, `fsync`, `rename`; the temporary is removed on
every error path, Ctrl-C included, so a failed write leaves the previous file (or nothing),
never a truncated one.

Failures (disk full, read-only or unwritable folder, a link in the way) raise `OutputError`
with one sentence naming the file: a subclass of `InputError`, so every CLI path that reports
bad input in one sentence (exit 2) and every batch worker that records an input's failure
handles it without a special case.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from wakescope.parsers.errors import InputError

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_TMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0))
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

Writer = Callable[[BinaryIO], object]


class OutputError(InputError):
    """An output that cannot or must not be written, said in one sentence naming the file."""


def _reason(exc: OSError) -> str:
    """The errno in words a user acts on."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "no space left on the device"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EROFS:
        return "the file system is read-only"
    if code == errno.ELOOP:
        return "a symbolic link is in the way"
    if code == errno.ENOTDIR:
        return "a path component is not a folder"
    if code == errno.EISDIR:
        return "it is a folder"
    if code == errno.ENAMETOOLONG:
        return "the name is too long"
    return (exc.strerror or str(exc)).rstrip(".").lower()


def output_error(exc: OSError, path: str | os.PathLike) -> OutputError:
    """The one sentence for an `OSError` raised while writing `path`."""
    return OutputError(f"cannot write {os.fspath(path)}: {_reason(exc)}.")


def child_path(folder: Path, name: str) -> Path:
    """`folder / name` with `name` reduced to one safe file name (letters, digits, `._-`,
    no leading dot), so it can neither climb out nor hide; touches no file system."""
    clean = "".join(ch if ch in _SAFE else "_" for ch in name).lstrip(".")
    return Path(folder) / (clean or "_")


def _parts(root: Path, folder: Path) -> list[str]:
    """`folder`'s components below `root`; refuses a folder that is not below it."""
    try:
        rel = folder.relative_to(root)
    except ValueError as exc:
        raise OutputError(f"refusing to write {folder}: it is outside {root}.") from exc
    parts = list(rel.parts)
    if any(p in ("..", ".", "") for p in parts):
        raise OutputError(f"refusing to write {folder}: it climbs out of {root}.")
    return parts


def _open_folder(root: Path, parts: Iterable[str], shown: Path, create: bool = True) -> int:
    """A descriptor of `root/parts…`, created as needed, each component opened without
    following a link; a link or a non-folder there is refused in one sentence."""
    try:
        if create:
            root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root, _DIR_FLAGS)
    except OSError as exc:
        raise output_error(exc, shown) from exc
    here = root
    try:
        for part in parts:
            here = here / part
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            try:
                nfd = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                try:
                    st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    st = None
                if st is not None and stat.S_ISLNK(st.st_mode):
                    what = "" if Path(shown) == here else f"refusing to write {shown}: "
                    raise OutputError(f"{what}{here} is a symbolic link, and outputs never "
                                      "follow links.") from exc
                if st is not None and not stat.S_ISDIR(st.st_mode):
                    raise OutputError(f"cannot write {shown}: {here} exists and is not a "
                                      "folder.") from exc
                raise output_error(exc, shown) from exc
            os.close(fd)
            fd = nfd
    except BaseException:
        os.close(fd)
        raise
    return fd


def ensure_folder(root: Path, folder: Path | None = None) -> Path:
    """Create `folder` (default `root`) below `root`, refusing links on the way; returns it."""
    folder = Path(folder) if folder is not None else Path(root)
    os.close(_open_folder(Path(root), _parts(Path(root), folder), folder))
    return folder


def write_atomic(path: str | os.PathLike, data: bytes | str | Writer, *,
                 root: str | os.PathLike | None = None, sync: bool = True) -> Path:
    """Write `data` (bytes, text as UTF-8, or a callable given the open binary file) to
    `path` atomically; every folder between `root` (default: the file's own folder) and the
    file is opened without following links. Raises `OutputError` in one sentence.
    `sync=False` leaves flushing the file and its folder to disk to the caller (a batch
    syncs an input's table files together, batch.worker)."""
    target = Path(path)
    base = Path(root) if root is not None else target.parent
    fd = _open_folder(base, _parts(base, target.parent), target)
    name = target.name
    tmp = f".{name[:200]}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    created = False
    try:
        tfd = os.open(tmp, _TMP_FLAGS, 0o666, dir_fd=fd)
        created = True
        with os.fdopen(tfd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
        created = False
        if sync:
            with contextlib.suppress(OSError):  # the rename survives a power cut once synced
                os.fsync(fd)
    except OSError as exc:
        raise output_error(exc, target) from exc
    finally:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=fd)
        os.close(fd)
    return target


def remove_contained(path: str | os.PathLike, *, root: str | os.PathLike) -> bool:
    """Delete `path` (a file or a link, never what a link points at) when it lies below
    `root` through real folders only; a link or a missing folder on the way removes nothing.
    Returns whether something was removed."""
    target = Path(path)
    base = Path(root)
    try:
        fd = _open_folder(base, _parts(base, target.parent), target, create=False)
    except OutputError:
        return False
    try:
        st = os.stat(target.name, dir_fd=fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            return False
        os.unlink(target.name, dir_fd=fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file (existing: same inode; else same resolved path)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_distinct(inputs: Iterable[str | os.PathLike],
                   outputs: Iterable[tuple[str, str | os.PathLike | None]]) -> None:
    """Refuse, in one sentence, an output that is an input or two outputs on one path.

    `outputs` pairs what the output is (`--output`, `--md`…) with its path (None: not asked);
    `-` and URLs are no files and never compared.
    """
    ins = [Path(p) for p in map(os.fspath, inputs) if p != "-" and "://" not in p]
    seen: list[tuple[str, Path]] = []
    for what, p in outputs:
        if p is None or os.fspath(p) == "-":
            continue
        path = Path(p)
        for src in ins:
            if _same(path, src):
                raise OutputError(f"{what} {path} is the input itself; refusing to overwrite "
                                  "it, give another path.")
        for other, q in seen:
            if _same(path, q):
                raise OutputError(f"{other} and {what} are both {path}; give each output its "
                                  "own path.")
        seen.append((what, path))
