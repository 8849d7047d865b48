"""`wakescope info`: what each input is (kind, device, build, SDK, capture time, sections)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import INPUT_HELP, app, state
from wakescope.analyzer.format import duration_clock, plain


def format_info(summary: dict) -> str:
    """The `info` text for one capture summary (as built by `Capture.summary()`)."""
    m = summary["metadata"]
    src = m.get("sources", {})
    device = " ".join(x for x in (m.get("manufacturer"), m.get("model")) if x) or "unknown"
    if m.get("device"):
        device += f" ({m['device']})"
    release = m.get("release") or "unknown"
    sdk = m.get("sdk")
    rel = f"Android {release}" + (f" (SDK {sdk}" + (f", from {src['sdk']}" if "sdk" in src
                                                       else "") + ")" if sdk else "")
    lines = [
        f"{summary['source']}",
        f"  kind        {summary['kind']} ({summary['container']}"
        + (f": {summary['member']}" if summary.get("member") else "") + ")",
        f"  device      {device}",
        f"  build       {m.get('fingerprint') or m.get('build_id') or 'unknown'}",
        f"  release     {rel}",
    ]
    if m.get("capture_local") or m.get("capture_utc"):
        cap = m.get("capture_local") or ""
        if m.get("capture_utc"):
            cap += f" local, {m['capture_utc']}"
        lines.append(f"  captured    {cap}")
    if m.get("elapsed_realtime_ms") is not None:
        lines.append(f"  since boot  {duration_clock(m['elapsed_realtime_ms'])} "
                     f"(from {src.get('elapsed_realtime_ms', '?')})")
    lines.append(f"  text        {summary['lines']} lines, {summary['encoding']}, "
                 f"{summary['line_ends']} line ends")
    lines.append("  sections")
    for s in summary["sections"]:
        lines.append(f"    {s['name']:<22} {s['line_count']:>7} lines from line {s['first_line']}")
    if not summary["sections"]:
        lines.append("    none")
    diags = summary["diagnostics"]
    if diags:
        lines.append("  diagnostics")
        for d in diags[:20]:
            where = f" (line {d['line']})" if d.get("line") else ""
            lines.append(f"    {d['level']:<7} {d['section']}: {d['message']}{where} "
                         f"[{d['code']}]")
        if len(diags) > 20:
            lines.append(f"    … {len(diags) - 20} more")
    return "\n".join(map(plain, lines))  # input text: no raw controls, one line each


SUMMARY_KEYS = ("source", "container", "member", "kind", "encoding", "line_ends", "lines",
                "metadata", "clock", "sections", "tables", "diagnostics")


def info_entry(path: str, summary: dict | None = None, error: str | None = None) -> dict:
    """One `info --json` entry: the same keys for every input (docs/schemas/info.schema.json);
    an input that cannot be read has `error` set and the rest null."""
    entry = {k: None for k in SUMMARY_KEYS} if summary is None else dict(summary)
    entry["source"] = path
    entry["error"] = error
    return entry


@app.command()
def info(
    inputs: Annotated[list[str], typer.Argument(help=INPUT_HELP)],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print a JSON array, one entry per input (errors as entries).")
    ] = False,
) -> None:
    """Summarise inputs: kind, device, build, SDK, capture time, sections, diagnostics."""
    from wakescope.parsers import InputError, open_capture

    entries = []
    failed = 0
    for path in inputs:
        try:
            cap = open_capture(path)
        except InputError as exc:
            failed += 1
            if state["debug"]:
                raise
            typer.echo(f"wakescope: {plain(exc)}", err=True)
            entries.append(info_entry(path, error=str(exc)))
            continue
        entries.append(info_entry(path, cap.summary()))
        if not as_json:
            typer.echo(format_info(entries[-1]))
    if as_json:
        typer.echo(json.dumps(entries, indent=2, default=str))
    if failed:
        raise typer.Exit(2)
