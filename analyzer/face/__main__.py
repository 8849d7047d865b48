"""`python -m wakescope ...`: the same CLI as the `wakescope` command."""

import sys


def run() -> None:
    """The CLI, with Ctrl-C during start-up (importing Polars and Typer takes a second)
    ending as quietly as Ctrl-C later on: one line, exit 130, no traceback."""
    try:
        from wakescope.analyzer.runtime import tune_gc

        tune_gc()   # before the imports, which are most of the collector's work
        from wakescope.analyzer.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("wakescope: interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
