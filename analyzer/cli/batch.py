"""`wakescope batch` and `wakescope fleet`: thin shells over wakescope.analyzer.batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import app, fail, log, say, state
from wakescope.analyzer.cli.options import FullPath, NoRedact, Rules
from wakescope.analyzer.format import plain

EXIT_CODES = (
    "Exit codes: 0 the batch ran, even if some inputs failed as input errors (not an Android "
    "dump; see status.json); 1 --fail-on matched a finding; 2 usage error or no input to "
    "process; 3 internal errors (a wakescope bug) in some inputs, listed in status.json with "
    "status \"error\", or the Dask cluster lost every worker (run again to resume)."
)

@app.command(epilog=EXIT_CODES)
def batch(
    inputs: Annotated[list[str], typer.Argument(
        help="Folders (searched recursively), globs, files or fsspec URLs "
             "(s3://…, file://…).", show_default=False)],
    out: Annotated[str, typer.Option(
        "--out", "-o", help="Output folder (local or mounted; file:// accepted, other URLs "
                            "refused).")] = "wakescope-batch",
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", help="Worker processes (default: all cores).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Redo inputs whose outputs are already up to date.")] = False,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on Dask: a scheduler address (tcp://host:8786) or 'local' "
                            "for a LocalCluster of --jobs workers. Needs "
                            "the distributed extra (see the README).")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", help="Seconds one input may take; a slower one is recorded as failed "
                          "and the batch goes on.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="Skip files whose name or path matches this glob (repeatable), "
                          "e.g. '*.md'.")] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 1 when any capture has a finding at or above this "
                          "severity: high, medium or low.")] = None,
    no_redact: NoRedact = False,
    rules: Rules = None,
    full_path: FullPath = False,
    no_progress: Annotated[bool, typer.Option(
        "--no-progress", help="No progress bar.")] = False,
    plotly: Annotated[str, typer.Option(
        "--plotly", help="Plotly's JS: shared (one OUT/reports/plotly.min.js for every "
                         "page), inline (each page self-contained) or cdn (needs the "
                         "network).")] = "shared",
    trace: Annotated[bool, typer.Option(
        "--trace", help="Also write a Perfetto trace per input under OUT/traces/, linked "
                        "from its report.")] = False,
    group_by: Annotated[str | None, typer.Option(
        "--group-by", help="Also write per-group medians per app × API "
                           "(OUT/groups-<field>.parquet): build or device.")] = None,
) -> None:
    """Process many bug reports and dumps: one report per input under OUT/reports/, tables
    as one Parquet dataset per table under OUT/tables/<table>/ (with a capture_id column),
    the captures table (OUT/captures.parquet, OUT/status.json) and the fleet summary
    OUT/index.html. A bad input never stops the batch. Inputs whose outputs are newer
    than the input are skipped unless --force.
    """
    from wakescope.analyzer.batch import BatchUsageError, run_batch
    from wakescope.analyzer.batch.run import BatchAborted
    from wakescope.analyzer.model import at_least
    from wakescope.parsers import InputError

    if out == "-":
        fail("a batch writes a folder of reports and tables, not one stream: give --out a "
             "folder (`wakescope report … -o -` streams one report).")
    if fail_on is not None and fail_on not in ("high", "medium", "low"):
        fail(f"--fail-on must be high, medium or low, not {fail_on!r}.")
    if group_by is not None:
        from wakescope.analyzer.batch.fleet_compare import GROUP_FIELDS, UNSUPPORTED

        if group_by in UNSUPPORTED:
            fail(UNSUPPORTED[group_by] + ".")
        if group_by not in GROUP_FIELDS:
            fail(f"--group-by must be one of {', '.join(GROUP_FIELDS)}, not {group_by!r}.")
    try:
        result = run_batch(inputs, out, jobs=jobs, force=force, scheduler=scheduler,
                           redact=not no_redact, rules=rules,
                           progress=not (no_progress or state["quiet"]),
                           exclude=exclude or (), plotly=plotly, trace=trace,
                           timeout=timeout, full_path=full_path)
    except (BatchUsageError, InputError) as exc:  # InputError: the fleet outputs unwritable
        fail(str(exc))
    except BatchAborted as exc:
        fail(f"the batch stopped: {exc}.", code=3)
    for problem in result.problems:
        log.warning(plain(problem))
    counts = result.counts
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "partial", "failed", "error"))
    say(f"{len(result.records)} inputs ({result.processed} processed, "
        f"{result.skipped} up to date): {summary} in {result.seconds:.1f} s")
    for rec in sorted(result.records, key=lambda r: r["name"]):
        if rec["status"] in ("failed", "error"):
            where = "" if rec["source"] in (rec["reason"] or "") else f"{rec['source']}: "
            typer.echo(plain(f"  {rec['status']}: {where}{rec['reason']}"), err=True)
    if result.index is not None:
        say(f"fleet summary: {result.index}")
    if group_by is not None:
        _write_groups(Path(out), group_by)
    if result.exit_code:
        typer.echo(f"wakescope: {counts['error']} inputs hit an internal error "
                   "(see status.json; please report it)", err=True)
        raise typer.Exit(result.exit_code)
    if fail_on is not None:
        hits = [r for r in result.records if at_least(r.get("worst_severity"), fail_on)]
        if hits:
            typer.echo(f"wakescope: {len(hits)} captures have findings at or above "
                       f"{fail_on}", err=True)
            raise typer.Exit(1)


def _write_groups(out: Path, field: str) -> None:
    """OUT/groups-<field>.parquet: per group × app × API × metric medians; one line each."""
    from wakescope.analyzer.batch.fleet_compare import GroupError, group_rates

    try:
        rates = group_rates(out, field)
    except GroupError as exc:
        fail(f"{exc}.")
    target = out / f"groups-{field}.parquet"
    rates.write_parquet(target)
    sizes = rates.select("group", "captures", "devices").unique().sort("group")
    for g, n, d in sizes.iter_rows():
        typer.echo(f"  {field} {g}: {n} capture{'s' if n != 1 else ''}, {d} "
                   f"device{'s' if d != 1 else ''}")
    typer.echo(f"groups: {target} (compare two with: wakescope fleet {out} --compare "
               f"{field}=A,{field}=B)")


@app.command(epilog="Exit codes: 0 written; 2 not a batch output folder, or a bad "
                    "--compare.")
def fleet(
    out: Annotated[Path, typer.Argument(help="A batch output folder.")],
    compare: Annotated[str | None, typer.Option(
        "--compare", help="Compare two groups of captures per app × API: build=A,build=B "
                          "or device=A,device=B (writes OUT/compare-<field>.html and .md).")
    ] = None,
) -> None:
    """Rebuild the fleet summary (index.html, status.json, captures.parquet) from the
    per-input records and Parquet tables already in a batch output folder; with --compare,
    the per app × API change of the group medians between two builds or devices."""
    from wakescope.analyzer.batch.fleet import write_fleet_outputs

    if not (out / "status").is_dir():
        fail(f"{out} is not a wakescope batch output folder (it has no status/ folder).")
    from wakescope.parsers import InputError

    if compare is None:
        try:
            index = write_fleet_outputs(out)
        except InputError as exc:  # outputs.OutputError: disk full, unwritable, a link
            fail(str(exc))
        say(f"fleet summary: {index}")
        return
    from wakescope.analyzer.batch.fleet_compare import GroupError, compare_groups, parse_compare
    from wakescope.analyzer.outputs import write_atomic
    from wakescope.analyzer.report.diff_page import (
        group_rows,
        render_group_compare_html,
        render_group_compare_markdown,
    )

    try:
        field, a, b = parse_compare(compare)
        df = compare_groups(out, field, a, b)
    except GroupError as exc:
        fail(f"{exc}.")
    html, md = out / f"compare-{field}.html", out / f"compare-{field}.md"
    try:
        write_atomic(html, render_group_compare_html(df, field, a, b), root=out)
        write_atomic(md, render_group_compare_markdown(df, field, a, b), root=out)
    except InputError as exc:
        fail(str(exc))
    for r in group_rows(df, 10):
        typer.echo(f"  {r['who']}: {r['metric']} {r['a']} → {r['b']} ({r['delta']}; "
                   f"devices {r['a_dev']} → {r['b_dev']})")
    typer.echo(f"wrote {html}, {md}: {df.height} app × API figures changed")
