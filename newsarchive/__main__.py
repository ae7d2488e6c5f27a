"""Run the CLI as `python -m newsarchive`."""

from newsarchive.cli import cli

if __name__ == "__main__":
    cli()
