"""Batch inputs: folders, globs, files and fsspec URLs expanded into `InputItem`s with
stable capture ids and output names, largest text first so workers finish together."""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_GLOB_CHARS = re.compile(r"[*?\[]")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_STRIP_SUFFIXES = (".zip", ".txt", ".gz", ".log", ".dump")


class BatchUsageError(ValueError):
    """The batch cannot start: bad options, or no input matched."""


@dataclass(frozen=True)
class InputItem:
    """One input to process: a local path or an fsspec URL, with what identifies it."""

    source: str  # resolved local path, or the URL
    is_url: bool
    size: int
    mtime_ns: int
    capture_id: str
    name: str  # sanitised output name: reports/<name>.html

    def task(self, out_dir: Path, redact: bool, rules: Path | None, *,
             timeout: float | None = None, full_path: bool = False) -> dict:
        """The picklable work order a process or Dask worker runs (`process_one`)."""
        return {
            "source": self.source, "is_url": self.is_url, "size": self.size,
            "mtime_ns": self.mtime_ns, "capture_id": self.capture_id, "name": self.name,
            "out_dir": str(out_dir), "redact": redact,
            "rules": str(rules) if rules else None, "rules_sha": rules_digest(rules),
            "timeout": timeout, "full_path": full_path,
        }



def capture_id_for(key: str, size: int, mtime_ns: int) -> str:
    """Stable short id: the same file (path, size, mtime) always gets the same id."""
    return hashlib.sha1(f"{key}\n{size}\n{mtime_ns}".encode()).hexdigest()[:12]


def rules_digest(rules: Path | str | None) -> str | None:
    """A digest of the rules file, so that a resumed batch with other rules re-runs."""
    if not rules:
        return None
    try:
        return hashlib.sha1(Path(rules).read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe rendering of `text`: letters, digits, `._-` only, no leading dot."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return clean[:limit] or "input"


def output_name(file_name: str, capture_id: str) -> str:
    """`bugreport-x.zip` → `bugreport-x-<id>`: unique even when names repeat across dirs."""
    stem = file_name
    while stem.lower().endswith(_STRIP_SUFFIXES):
        stem = stem[: stem.rfind(".")]
    return f"{safe_name(stem)}-{capture_id}"


def _local_item(path: Path) -> InputItem:
    resolved = path.resolve()
    st = resolved.stat()
    cid = capture_id_for(str(resolved), st.st_size, st.st_mtime_ns)
    return InputItem(str(resolved), False, st.st_size, st.st_mtime_ns, cid,
                     output_name(path.name, cid))


def _excluded(path: str, patterns: Iterable[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)


def _walk(root: Path, skip: Path | None) -> Iterator[Path]:
    """Files under `root`, recursively, sorted; hidden files and folders and `skip` left out."""
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and (skip is None or (here / d).resolve() != skip)
        )
        for f in sorted(filenames):
            if not f.startswith("."):
                yield here / f


def _url_items(url: str, exclude: Iterable[str]) -> list[InputItem]:
    """Expand an fsspec URL (file, folder or glob) into items; size and mtime from `info`."""
    fsspec = _import_fsspec()
    fs, path = fsspec.core.url_to_fs(url)
    if _GLOB_CHARS.search(path):
        paths = fs.glob(path)
    elif fs.isdir(path):
        paths = fs.find(path)
    else:
        paths = [path]
    items = []
    for p in sorted(paths):
        info = fs.info(p)
        if info.get("type") == "directory" or p.rsplit("/", 1)[-1].startswith("."):
            continue
        full = fs.unstrip_protocol(p)
        if _excluded(full, exclude):
            continue
        mtime = _info_mtime_ns(info)
        size = int(info.get("size") or 0)
        cid = capture_id_for(full, size, mtime)
        items.append(InputItem(full, True, size, mtime, cid,
                               output_name(p.rsplit("/", 1)[-1], cid)))
    return items


def _info_mtime_ns(info: dict) -> int:
    """Modification time from an fsspec `info` dict (each filesystem names it differently)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created", "ETag", "etag"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, int | float):
            return int(value * 1e9)
        if isinstance(value, datetime):
            return int(value.timestamp() * 1e9)
        try:
            return int(datetime.fromisoformat(str(value)).timestamp() * 1e9)
        except ValueError:  # an ETag: not a time, but it changes when the object does
            return int(hashlib.sha1(str(value).encode()).hexdigest()[:12], 16)
    return 0


def expand_inputs(args: Iterable[str], *, out_dir: Path | None = None,
                  exclude: Iterable[str] = ()) -> tuple[list[InputItem], list[str]]:
    """Folders (recursively), globs, files and fsspec URLs → unique items, largest first.

    Returns the items and one sentence per argument that matched nothing. Files inside
    `out_dir` are never inputs (a batch run over `.` with `--out ./out` stays sane).
    """
    exclude = tuple(exclude)
    skip = out_dir.resolve() if out_dir is not None else None
    items: dict[str, InputItem] = {}
    problems: list[str] = []
    for arg in args:
        found: list[InputItem] = []
        if _URL.match(arg):
            try:
                found = _url_items(arg, exclude)
            except ImportError as exc:  # fsspec names the package a protocol needs
                raise BatchUsageError(f"cannot read {arg}: {_missing_package(exc)}") from exc
            except (OSError, ValueError) as exc:
                problems.append(f"cannot list {arg}: {exc}")
                continue
        else:
            p = Path(arg).expanduser()
            if p.is_dir():
                paths = list(_walk(p, skip))
            elif p.exists():  # a file, or a FIFO/device the worker refuses as its failure
                paths = [p]
            elif _GLOB_CHARS.search(arg):
                paths = []
                for m in sorted(glob.glob(str(p), recursive=True)):
                    mp = Path(m)
                    paths.extend(_walk(mp, skip) if mp.is_dir() else [mp] if mp.is_file() else [])
            else:
                problems.append(f"no such file or folder: {arg}")
                continue
            for path in paths:
                if skip is not None and (skip == path.resolve() or skip in path.resolve().parents):
                    continue
                if _excluded(str(path), exclude):
                    continue
                try:
                    found.append(_local_item(path))
                except OSError as exc:  # a dangling symlink, a file removed meanwhile
                    problems.append(f"cannot read {path}: {exc.strerror or exc}")
        if not found:
            problems.append(f"no input files matched {arg}")
        for item in found:
            items.setdefault(item.source, item)
    # Most text first: the long inputs start early, so the workers finish together.
    ordered = sorted(items.values(), key=lambda i: (-_text_size(i), i.source))
    return ordered, problems


def _text_size(item: InputItem) -> int:
    """Roughly how much text an input holds: a zip's or gzip's uncompressed size, else its
    size. Only orders the work (a 3 MB zip can hold an 18 MB bug report)."""
    if item.is_url:
        return item.size
    try:
        if not stat.S_ISREG(os.stat(item.source).st_mode):  # a FIFO would block the open
            return item.size
        with open(item.source, "rb") as f:
            head = f.read(4)
            if head[:2] == b"\x1f\x8b" and item.size >= 4:
                f.seek(-4, os.SEEK_END)  # gzip ISIZE: uncompressed size mod 2**32
                return max(item.size, int.from_bytes(f.read(4), "little"))
        if head == b"PK\x03\x04":
            import zipfile

            with zipfile.ZipFile(item.source) as z:
                return max(item.size, sum(i.file_size for i in z.infolist()))
    except Exception:  # unreadable, a broken zip: the worker will say so; order by size
        return item.size
    return item.size


def _missing_package(exc: ImportError) -> str:
    """fsspec's "Install s3fs to access S3" as one instruction."""
    text = str(exc).strip().rstrip(".")
    name = getattr(exc, "name", None)
    if name and name not in text:
        text = f"{text} (missing module {name})"
    return f"{text}; pip install the package it names (s3fs for s3://, gcsfs for gs://)."


def _import_fsspec():
    try:
        import fsspec
    except ModuleNotFoundError as exc:
        if exc.name != "fsspec":  # fsspec is there but broken: say so, do not hide it
            raise
        raise BatchUsageError(
            "reading inputs by URL needs fsspec: pip install 'wakescope[distributed]'"
        ) from exc
    return fsspec
