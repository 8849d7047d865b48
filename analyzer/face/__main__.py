"""`python -m wakescope ...`: the same CLI as the `wakescope` command."""

import sys


def run() -> None:
    """The CLI, with Ctrl-C during start-up (importing Polars and Typer takes a second)
        ending as quietly as Ctrl-C later on: one line, exit 130, no traceback. The process then
    ends without the interpreter's teardown (`runtime.exit_now`)."""
    try:
        from wakescope.analyzer.runtime import exit_code, exit_now, tune_gc

        tune_gc()   # before the imports, which are most of the collector's work
        from wakescope.analyzer.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("wakescope: interrupted\n")
        sys.exit(130)
    try:
        main()
    except SystemExit as exc:
        exit_now(exit_code(exc))
    exit_now(0)


if __name__ == "__main__":
    run()
