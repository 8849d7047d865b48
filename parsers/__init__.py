"""wakescope parsers: any Android bug report or dumpsys dump → a `Capture` of Polars tables.

    >>> from wakescope import parsers
    >>> cap = parsers.load("bugreport.zip")
    >>> cap.meta.sdk, sorted(cap.tables)
"""

from __future__ import annotations

import os

from wakescope.parsers.capture import Capture
from wakescope.parsers.caveats import check_text
from wakescope.parsers.clock import Clock, parse_duration_ms
from wakescope.parsers.container import open_text
from wakescope.parsers.diagnostics import Diagnostic, Diagnostics
from wakescope.parsers.errors import InputError
from wakescope.parsers.metadata import (
    Metadata,
    build_clock,
    read_bugreport_name,
    read_checkin_version,
    read_fingerprint,
    read_header,
    read_properties,
    read_serial,
    read_service_clocks,
)
from wakescope.parsers.section_input import SectionInput
from wakescope.parsers.sections import Section

__all__ = [
    "SECTION_ORDER",
    "Capture",
    "Clock",
    "Diagnostic",
    "Diagnostics",
    "InputError",
    "Metadata",
    "Section",
    "SectionInput",
    "load",
    "parse_duration_ms",
    "parse_section",
    "section_parser",
]

# Checkin first: its aggregates win over the human form when a bug report has both.
SECTION_ORDER = ("batterystats_checkin", "batterystats", "jobscheduler", "alarm")


def _metadata(cap: Capture, props: str | None) -> None:
    """Metadata from the header, getprop (`props`: the SYSTEM PROPERTIES text, if any), the
    member name and the sections; then the clock."""
    meta = cap.meta
    if cap.kind == "bugreport":
        read_header(meta, cap.head(20_000))
    if props is not None:
        read_properties(meta, props)
    read_fingerprint(meta)
    if cap.kind != "bugreport" and cap.sections and cap.sections[0].start > 0:
        read_bugreport_name(meta, cap.head(min(cap.sections[0].start, 4096)),
                            "bug report file name in tool output")
    if cap.member:
        read_bugreport_name(meta, cap.member, "zip member name")
    checkin = cap.section("batterystats_checkin")
    if checkin:
        read_checkin_version(meta, cap.section_text(checkin))
    alarm = cap.section("alarm")
    jobs = cap.section("jobscheduler")
    read_service_clocks(meta, cap.section_text(alarm)[:20_000] if alarm else None,
                        cap.section_text(jobs) if jobs else None)
    if meta.sdk is not None and meta.release is None:
        from wakescope.parsers.metadata import SDK_TO_RELEASE

        meta.set("release", SDK_TO_RELEASE.get(meta.sdk), meta.sources.get("sdk", "sdk"))
    cap.clock = build_clock(meta)


def open_capture(path: str | os.PathLike) -> Capture:
    """Container stage only: find sections, read metadata and the clock. Fast: the text is
    decoded only where it is read (`Capture.text` decodes the rest on first use)."""
    opened = open_text(path)
    cap = Capture(
        source=opened.label, container=opened.raw.container, kind=opened.kind,
        member=opened.raw.member, encoding=opened.encoding, line_ends=opened.line_ends,
        text="", sections=opened.sections, meta=Metadata(), clock=None,
        diagnostics=opened.diagnostics, text_lines=opened.lines,
    )
    cap.attach_body(opened.body)
    if opened.raw.zip_version:
        cap.meta.set("bugreport_format", opened.raw.zip_version, "zip version.txt")
    # getprop output (dumpstate's SYSTEM PROPERTIES section): decoded once, and what the
    # serial and emulator look-ups search instead of the whole 10–40 MB text.
    props = next((c for c in opened.commands if c.title.upper() == "SYSTEM PROPERTIES"), None)
    props_text = opened.body.text(props.start, props.end) if props is not None else None
    serial = read_serial(props_text) if props_text is not None else None
    cap.serial = serial or read_serial(cap.text_from("[ro.serialno]: [", 120))
    _metadata(cap, props_text)
    check_text(cap, (props_text, props.first_line) if props is not None else None)
    return cap


def section_parser(name: str):
    """The module whose `parse(SectionInput) -> dict[str, DataFrame]` reads section `name`
    (imported on first use: `info` needs none of them)."""
    if name == "batterystats_checkin":
        from wakescope.parsers.batterystats import checkin as module
    elif name == "batterystats":
        from wakescope.parsers.batterystats import human as module
    elif name == "jobscheduler":
        from wakescope.parsers import jobscheduler as module
    elif name == "alarm":
        from wakescope.parsers import alarm as module
    else:
        raise KeyError(f"no parser for section {name!r}")
    return module


def parse_section(cap: Capture, name: str, section: Section, redact: bool = True,
                  text: str | list[str] | None = None, history_rows: bool = True) -> dict:
    """Run one section's parser; a parser failure becomes a diagnostic, never an exception.
    `text` is the section's text when the capture's text was already released; as a
    one-item list it is taken out of the list, so it is freed once the parser has read it.
    `history_rows=False`: see `SectionInput.history_rows`."""
    module = section_parser(name)
    if isinstance(text, list):
        text = text.pop()
    if text is None:
        text = cap.section_text(section)
    inp = SectionInput(name, text, section.first_line, cap.meta, cap.clock, cap.diagnostics,
                       redact, history_rows)
    del text  # the input holds the only reference: split (or taken) once, then freed
    try:
        return module.parse(inp)
    except Exception as exc:  # parsers are total; this is the last line of defence
        cap.diagnostics.error("parser_failed", name, f"parser failed: {type(exc).__name__}: {exc}",
                              section.first_line)
        return {}


def _has_history(per_section: dict, name: str) -> bool:
    """Whether the human form's history rows are already known: the checkin section (parsed
    first) has history rows, which `merge` keeps over the human ones (issue 19 item 8)."""
    if name != "batterystats":
        return False
    history = per_section.get("batterystats_checkin", {}).get("batterystats_history")
    return history is not None and history.height > 0


def load(path: str | os.PathLike, *, parse: bool = True, redact: bool = True,
         keep_text: bool = True) -> Capture:
    """Open one input and parse every section it holds into tables.

    With `keep_text=False` only the sections' own text is kept while they are parsed and
    `cap.text` is released (empty) on return: what the CLI and batch do (issue 17).
    Raises `InputError` only when the input is not a readable Android dump at all.
    """
    import polars as pl

    from wakescope.parsers.batterystats.merge import merge
    from wakescope.parsers.caveats import check_tables

    cap = open_capture(path)
    if not parse:
        return cap
    texts: dict[int, str] = {}
    if not keep_text:
        texts = {id(s): cap.section_text(s) for s in cap.sections if s.name in SECTION_ORDER}
        cap.release_text()
    per_section: dict[str, dict[str, pl.DataFrame]] = {}
    for name in SECTION_ORDER:
        tables = per_section.setdefault(name, {})
        # A dump that repeats a service (concatenated files) yields rows from each copy.
        for section in (s for s in cap.sections if s.name == name):
            box = [texts.pop(id(section))] if id(section) in texts else None
            parsed = parse_section(cap, name, section, redact, box,
                                   history_rows=not _has_history(per_section, name))
            for table, frame in parsed.items():
                if table in tables:
                    tables[table] = pl.concat([tables[table], frame], how="diagonal_relaxed")
                else:
                    tables[table] = frame
    cap.tables.update(merge(per_section.pop("batterystats_checkin"),
                            per_section.pop("batterystats"), cap.diagnostics))
    for tables in per_section.values():
        cap.tables.update(tables)
    check_tables(cap)
    return cap
