"""Run the CLI as `python -m crawler`."""

from crawler.cli import cli

if __name__ == "__main__":
    cli()
