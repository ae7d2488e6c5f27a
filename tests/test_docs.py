"""The README and the CLI help stay true: schema generated, every command documented."""

from __future__ import annotations

import click
import pytest

from newsarchive.cli import cli
from pipelines.archive.schema_doc import README, readme_block


def test_readme_schema_is_current():
    """The README's schema block is what a fresh archive has (`python -m
    pipelines.archive.schema_doc
    --write` regenerates it)."""
    assert readme_block() in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_example_and_option_help(name: str):
    """Each command shows an example, and each option says what it does."""
    command = cli.commands[name]
    assert "Example:" in (command.help or "")
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts} has no help"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_in_readme(name: str):
    """The README shows each command."""
    assert f"newsarchive {name}" in README.read_text(encoding="utf-8")
