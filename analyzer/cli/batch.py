"""`wakescope batch` and `wakescope fleet`: thin shells over wakescope.analyzer.batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import app, fail, log, say, state

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
    no_redact: Annotated[bool, typer.Option(
        "--no-redact", help="Keep account names and e-mails.")] = False,
    rules: Annotated[Path | None, typer.Option("--rules", help="Extra rules TOML.")] = None,
    full_path: Annotated[bool, typer.Option(
        "--full-path", help="Name each input by its full path or URL in its report "
                            "(default: its file name).")] = False,
    no_progress: Annotated[bool, typer.Option(
        "--no-progress", help="No progress bar.")] = False,
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

    if out == "-":
        fail("a batch writes a folder of reports and tables, not one stream: give --out a "
             "folder (`wakescope report … -o -` streams one report).")
    if fail_on is not None and fail_on not in ("high", "medium", "low"):
        fail(f"--fail-on must be high, medium or low, not {fail_on!r}.")
    try:
        result = run_batch(inputs, out, jobs=jobs, force=force, scheduler=scheduler,
                           redact=not no_redact, rules=rules,
                           progress=not (no_progress or state["quiet"]),
                           exclude=exclude or (), timeout=timeout, full_path=full_path)
    except BatchUsageError as exc:
        fail(str(exc))
    except BatchAborted as exc:
        fail(f"the batch stopped: {exc}.", code=3)
    for problem in result.problems:
        log.warning(problem)
    counts = result.counts
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "partial", "failed", "error"))
    say(f"{len(result.records)} inputs ({result.processed} processed, "
        f"{result.skipped} up to date): {summary} in {result.seconds:.1f} s")
    for rec in sorted(result.records, key=lambda r: r["name"]):
        if rec["status"] in ("failed", "error"):
            where = "" if rec["source"] in (rec["reason"] or "") else f"{rec['source']}: "
            typer.echo(f"  {rec['status']}: {where}{rec['reason']}", err=True)
    if result.index is not None:
        say(f"fleet summary: {result.index}")
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


@app.command(epilog="Exit codes: 0 written; 2 not a batch output folder.")
def fleet(
    out: Annotated[Path, typer.Argument(help="A batch output folder.")],
) -> None:
    """Rebuild the fleet summary (index.html, status.json, captures.parquet) from the
    per-input records and Parquet tables already in a batch output folder."""
    from wakescope.analyzer.batch.fleet import write_fleet_outputs

    if not (out / "status").is_dir():
        fail(f"{out} is not a wakescope batch output folder (it has no status/ folder).")
    index = write_fleet_outputs(out)
    say(f"fleet summary: {index}")

