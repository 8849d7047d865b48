"""Open whatever a user has and know what is in it: zip, gzip, text or stdin, by content.

Only this module may refuse an input, always with one sentence (`InputError`). Memory is
bounded: one main text at most, zip members checked for absurd sizes and ratios.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import sys
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from wakescope.parsers.body import Body, char_offsets
from wakescope.parsers.decode import normalise_owned
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.errors import InputError
from wakescope.parsers.memory import check_budget, memory_error, text_limit
from wakescope.parsers.sections import (
    CommandSection,
    LineCounter,
    Section,
    find_marked_sections,
    find_standalone_sections,
)

MAX_TEXT_BYTES = 1 << 30  # 1 GiB of main text, far above any real bug report (10–40 MB)
MAX_RATIO = 200  # uncompressed/compressed; real bug report text compresses 5–15×
MAX_LAYERS = 4  # gzip/zip layers around the text; real inputs have at most 2 (.zip.gz)
_CHUNK = 1 << 20
_FIRST_BUFFER = 64 << 20  # a bug report text is 10–40 MB

# `dumpstate_log.txt` (dumpstate's own log, 8+ zips) is no bug report text.
_MAIN_NAME = re.compile(r"^(?:bugreport|dumpstate(?!_log))[^/]*\.txt$", re.IGNORECASE)
# A bug report zip inside a zip (a ticket's attachments zipped again): read one level down.
_ZIP_NAME = re.compile(r"(?:^|/)bugreport[^/]*\.zip$", re.IGNORECASE)
_DUMPSTATE = re.compile(rb"^== dumpstate: ", re.MULTILINE)
_SERVICE_LINE = re.compile(rb"^DUMP OF SERVICE ", re.MULTILINE)


@dataclass
class RawInput:
    """The main text's bytes and where they came from."""

    data: bytes | bytearray
    container: str  # text | zip | zip+zip | gzip | gzip+zip | stdin (+zip…)
    member: str | None = None
    zip_version: str | None = None
    zip_members: int | None = None
    notes: list[str] = field(default_factory=list)  # container warnings for the diagnostics
    outer: str | None = None  # the member of an outer zip this zip was read from (zip+zip)


def _text_cap() -> int:
    """`MAX_TEXT_BYTES`, or less when the memory budget is smaller (`memory.text_limit`)."""
    return text_limit(MAX_TEXT_BYTES)


def _read_into(stream, size: int) -> bytearray:
    """Up to `size` bytes of `stream` in one bytearray, read in chunks (no whole-size copy).
    The buffer starts at most `_FIRST_BUFFER` and doubles as data arrives, so a zip member
    that declares more than it holds costs only what it holds."""
    buf = bytearray(min(size, _FIRST_BUFFER))
    got = 0
    while got < size:
        if got == len(buf):
            buf.extend(bytes(min(len(buf), size - len(buf))))
        with memoryview(buf) as view:
            n = stream.readinto(view[got:min(len(buf), got + _CHUNK)])
        if not n:
            break
        got += n
    del buf[got:]
    return buf


def _read_capped(stream, limit: int, what: str) -> bytes:
    """Read a stream to its end, refusing it once it passes `limit` bytes (the memory
    budget's sentence when that is what set the limit)."""
    buf = io.BytesIO()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return buf.getvalue()
        buf.write(chunk)
        if buf.tell() > limit:
            cap = _text_cap()
            if limit >= cap and cap < MAX_TEXT_BYTES:
                raise memory_error(what, buf.tell())
            raise InputError(
                f"{what} expands to more than {limit >> 20} MiB; refusing it as a likely zip bomb."
            )


def _pick_member(zf: zipfile.ZipFile, label: str, notes: list[str],
                 nested: bool = False) -> tuple[zipfile.ZipInfo, str | None]:
    """The main entry: `main_entry.txt` when present, else the bug report text (formats §1.1);
    with no text at all and `nested`, a bug report zip it holds (`_inner_zip`).

    Member names are only compared, never used as paths (nothing is extracted), so a
    `../` name is harmless here.
    """
    infos = [i for i in zf.infolist() if not i.is_dir()]
    by_name = {i.filename: i for i in infos}
    for small in ("version.txt", "main_entry.txt"):
        if small in by_name and by_name[small].flag_bits & 0x1:
            raise InputError(f"{label}: zip member {small} is encrypted; wakescope reads "
                             "only unencrypted bug reports.")
    version = None
    if "version.txt" in by_name and by_name["version.txt"].file_size < 256:
        version = zf.read("version.txt").decode("ascii", "replace").strip() or None
    missing = None
    if "main_entry.txt" in by_name and by_name["main_entry.txt"].file_size < 4096:
        name = zf.read("main_entry.txt").decode("utf-8", "replace").strip()
        if name in by_name:
            return by_name[name], version
        missing = name[:200]
    named = [i for i in infos if "/" not in i.filename and _MAIN_NAME.match(i.filename)]
    texts = [i for i in infos if i.filename.lower().endswith((".txt", ".log"))
             and not i.filename.startswith(("FS/", "lshal-debug/", "proto/"))
             and PurePosixPath(i.filename).name not in ("version.txt", "main_entry.txt")]
    pick = max(named or texts, key=lambda i: i.file_size) if named or texts else None
    if missing is not None:
        if pick is None:
            raise InputError(
                f"{label} is a zip archive whose main_entry.txt names {missing!r}, which it "
                "does not hold, and it has no other bug report text."
            )
        notes.append(f"main_entry.txt names {missing!r}, which the zip does not hold; "
                     f"read {pick.filename} instead")
    if pick is not None:
        return pick, version
    inner = _inner_zip(infos) if nested else None
    if inner is not None:
        return inner, version
    raise InputError(
        f"{label} is a zip archive but holds no bug report text "
        "(no main_entry.txt, no bugreport-*.txt or dumpstate*.txt member, no .txt file"
        + (", no bug report zip)." if nested else "; a zip inside it is read only one level "
           "down).")
    )


def _inner_zip(infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The bug report zip of a zip that holds no text: a `bugreport*.zip` member (the
    largest), else its only `.zip` member."""
    zips = [i for i in infos if i.filename.lower().endswith(".zip")]
    named = [i for i in zips if _ZIP_NAME.search(i.filename)]
    if named:
        return max(named, key=lambda i: i.file_size)
    return zips[0] if len(zips) == 1 else None


def _read_zip(source, label: str, nested: bool = True) -> RawInput:
    """The main text of a zip (`_pick_member`); `nested`: a zip holding no text but a bug
    report zip is read through that one (one level: the inner zip's own zips are not)."""
    try:
        with zipfile.ZipFile(source) as zf:
            notes: list[str] = []
            info, version = _pick_member(zf, label, notes, nested)
            if info.flag_bits & 0x1:
                raise InputError(f"{label}: zip member {info.filename} is encrypted; "
                                 "wakescope reads only unencrypted bug reports.")
            if info.file_size > MAX_TEXT_BYTES:
                raise InputError(
                    f"{label}: zip member {info.filename} declares {info.file_size >> 20} MiB, "
                    f"above the {MAX_TEXT_BYTES >> 20} MiB limit."
                )
            if info.compress_size and info.file_size > 10 << 20 and (
                info.file_size / info.compress_size > MAX_RATIO
            ):
                raise InputError(
                    f"{label}: zip member {info.filename} has a compression ratio of "
                    f"{info.file_size // max(info.compress_size, 1)}:1; refusing it as a likely "
                    "zip bomb."
                )
            check_budget(info.file_size, f"{label}: zip member {info.filename}")
            limit = min(_text_cap(), max(info.file_size, 0))
            with zf.open(info) as member:
                # Inflated chunk by chunk into one buffer of the declared size (the text is
                # then folded in place, `decode.normalise_owned`); one byte more is asked
                # for, so a member that lies about its size is caught.
                data = _read_into(member, limit + 1)
                if len(data) > limit:
                    raise InputError(f"{label}: zip member {info.filename} expands to more "
                                     f"than {limit >> 20} MiB; refusing it as a likely zip "
                                     "bomb.")
            if info.filename.lower().endswith(".zip") and nested:
                inner = _read_zip(io.BytesIO(data), f"{label} ({info.filename})", nested=False)
                inner.container, inner.outer = "zip+zip", info.filename
                inner.member = f"{info.filename}/{inner.member}"
                return inner
            return RawInput(data, "zip", info.filename, version, len(zf.infolist()), notes)
    except InputError:
        raise
    except RuntimeError as exc:  # zipfile: "File … is encrypted, password required"
        raise InputError(f"{label}: a zip member is encrypted ({exc}); wakescope reads only "
                         "unencrypted bug reports.") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise InputError(
            f"{label} looks like a zip archive but cannot be read (truncated or corrupt: {exc})."
        ) from exc


def _from_bytes(data: bytes, label: str, container: str) -> RawInput:
    """Unwrap gzip layers (a loop, at most `MAX_LAYERS`), then a zip or the text itself."""
    layers = 0
    while data[:2] == b"\x1f\x8b":
        layers += 1
        if layers > MAX_LAYERS:
            raise InputError(
                f"{label} is gzip inside gzip more than {MAX_LAYERS} layers deep; a bug report "
                "is at most a .zip or .txt compressed once, so it is refused."
            )
        # Like a zip member: at most MAX_RATIO times the compressed size (10 MiB at least,
        # so small files are never refused) and never above the absolute cap.
        limit = min(_text_cap(), max(10 << 20, MAX_RATIO * len(data)))
        what = f"{label} (gzip, {len(data) >> 10} KiB compressed)"
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
                data = _read_capped(gz, limit, what)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{label} looks like gzip but cannot be read ({exc}).") from exc
        container = "gzip"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raw = _read_zip(io.BytesIO(data), label)
        if container != "text":
            raw.container = f"{container}+{raw.container}"
        return raw
    return RawInput(data, container)


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _open_regular(p: Path, label: str):
    """Open `p` for reading only if it is a regular file: FIFOs, devices and sockets would
    block or never end, so they are refused (opened non-blocking, checked with `fstat`)."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as exc:
        raise InputError(f"{label}: no such file.") from exc
    except PermissionError as exc:
        raise InputError(f"{label}: permission denied.") from exc
    except OSError as exc:  # ENXIO: a FIFO or socket nobody serves, ELOOP, ENAMETOOLONG
        raise InputError(f"{label} cannot be opened ({(exc.strerror or str(exc)).lower()}); "
                         "give a bug report or dump file.") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(f"{label} is a directory; give a bug report or dump file.")
        what = next((w for test, w in _KINDS if test(mode)), "not a regular file")
        raise InputError(f"{label} is {what}, not a regular file; give a bug report or dump "
                         "file, or - for standard input.")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_raw(path: str | os.PathLike) -> RawInput:
    """Read one input's main text bytes, by content: zip, gzip or plain text; `-` is stdin.

    Only a regular file (or stdin) is read; reads stop at `MAX_TEXT_BYTES` and at the
    memory budget (`memory.check_budget`).
    """
    label = str(path)
    if label == "-":
        data = _read_capped(sys.stdin.buffer, _text_cap(), "standard input")
        return _from_bytes(data, "standard input", "stdin")
    p = Path(path)
    try:
        with _open_regular(p, label) as fh:
            magic = fh.read(4)
            if magic in (b"PK\x03\x04", b"PK\x05\x06"):
                fh.seek(0)
                return _read_zip(fh, label)
            fh.seek(0)
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_TEXT_BYTES and magic[:2] != b"\x1f\x8b":
                raise InputError(
                    f"{label} is {size >> 20} MiB, above the {MAX_TEXT_BYTES >> 20} MiB limit."
                )
            if magic[:2] != b"\x1f\x8b":
                check_budget(size, label)
                if size <= _text_cap():  # one buffer of the file's size (+1: it may grow)
                    data = _read_into(fh, size + 1)
                    if len(data) <= size:
                        return _from_bytes(data, label, "text")
                    fh.seek(0)
            data = _read_capped(fh, _text_cap(), label)
    except PermissionError as exc:
        raise InputError(f"{label}: permission denied.") from exc
    except IsADirectoryError as exc:  # pragma: no cover - raced with the check above
        raise InputError(f"{label} is a directory.") from exc
    except OSError as exc:  # an I/O error mid-read (a disk or network file system failing)
        raise InputError(f"{label} cannot be read ({(exc.strerror or str(exc)).lower()}).") \
            from exc
    return _from_bytes(data, label, "text")


def _looks_binary(text: str) -> bool:
    """Mostly replacement or control characters in the first 64 KiB: not a text dump."""
    probe = text[:65536]
    if not probe:
        return False
    bad = probe.count("\ufffd") + sum(
        probe.count(c) for c in ("\x01", "\x02", "\x03", "\x04", "\x05", "\x06", "\x07", "\x08",
                                 "\x0e", "\x0f", "\x10", "\x11", "\x12", "\x13", "\x14", "\x15",
                                 "\x16", "\x17", "\x18", "\x19", "\x1a", "\x1b", "\x1c", "\x1d",
                                 "\x1e", "\x1f", "\x7f")
    )
    return bad > 0.05 * len(probe)


@dataclass
class Opened:
    """The container stage's result: the normalised bytes, where the sections are, and what
    it is. The text is not decoded here (`body.Body`: only the parts read are)."""

    label: str
    raw: RawInput
    body: Body
    encoding: str
    line_ends: str
    kind: str
    sections: list[Section]
    commands: list[CommandSection]
    diagnostics: Diagnostics
    lines: int


def _with_char_offsets(sections: list[Section], data) -> tuple[list[Section], int]:
    """Sections found in the bytes, with `start`/`end` as character offsets of the decoded
    text, and the number of U+FFFD in it (one pass, `body.char_offsets`)."""
    where = [o for s in sections for o in (s.byte_start, s.byte_end)]
    chars, replaced = char_offsets(data, where)
    return [replace(s, start=chars[s.byte_start], end=chars[s.byte_end])
            for s in sections], replaced


def open_text(path: str | os.PathLike) -> Opened:
    """Read, normalise and split one input into sections; raise `InputError` if it is no
    dump. Only the parts read later are decoded (`Opened.body`)."""
    label = str(path)
    raw = read_raw(path)
    size = len(raw.data)
    if size == 0:
        raise InputError(f"{label} is empty; expected an Android bug report or dumpsys output.")
    holder = [raw.data]
    raw.data = b""  # the normalised bytes are all we keep (folded in place)
    norm = normalise_owned(holder)
    text = norm.data
    body = Body(text)
    diags = Diagnostics()
    if raw.outer is not None:
        diags.info("nested_zip", "container",
                   f"the zip holds no bug report text; read the bug report zip {raw.outer} "
                   "inside it")
    for note in raw.notes:
        diags.warning("main_entry_missing", "container", note)
    if _looks_binary(body.head(65536)):
        raise InputError(
            f"{label} is binary data, not an Android bug report or dumpsys text output."
        )
    chatter = 0
    is_bugreport = _DUMPSTATE.search(text, 0, 4096) is not None
    counter = LineCounter(text)  # goes on to the end: the text's line count
    sections, commands = find_marked_sections(text, counter)
    has_markers = bool(commands) or text.find(b"DUMP OF SERVICE ", 0, 2_000_000) >= 0
    if is_bugreport:
        kind = "bugreport"
    elif sections or (has_markers and _SERVICE_LINE.search(text)):
        kind = "dumpsys"
    else:
        counter = LineCounter(text)
        sections, chatter = find_standalone_sections(text, counter)
        if not sections:
            raise InputError(
                f"{label} is not an Android bug report or dumpsys output: it has no dumpstate "
                "header, no DUMP OF SERVICE markers and no batterystats, checkin, jobscheduler "
                "or alarm dump."
            )
        names = {s.name for s in sections}
        kind = sections[0].name if len(names) == 1 and len(sections) == 1 else "concatenated"
    sections, replaced = _with_char_offsets(sections, text)
    if norm.replaced is not None:
        replaced = norm.replaced
    if replaced:
        diags.warning("bytes_replaced", "container",
                      f"{replaced} invalid byte sequences replaced (U+FFFD)")
    if norm.nul_bytes:
        diags.info("nul_bytes", "container", f"{norm.nul_bytes} NUL bytes removed")
    if norm.line_ends not in ("lf",):
        diags.info("line_ends", "container", f"line ends normalised from {norm.line_ends}")
    if chatter:
        diags.info("tool_chatter", "container",
                   f"{chatter} lines before the first dump skipped", 1)
    if kind in ("bugreport", "dumpsys"):
        found = {s.name for s in sections}
        for want in ("batterystats", "batterystats_checkin", "jobscheduler", "alarm"):
            if want not in found and not (kind == "dumpsys" and want == "batterystats_checkin"):
                diags.warning("missing_section", want, f"no {want} section found")
    return Opened(label, raw, body, norm.encoding, norm.line_ends, kind, sections, commands,
                  diags, counter.at(len(text)))
