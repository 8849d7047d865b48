"""`python -m wakescope ...`: the same CLI as the `wakescope` command."""

from wakescope.analyzer.cli import main

if __name__ == "__main__":
    main()
