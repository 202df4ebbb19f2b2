"""Options named after the settings of the Python API, so that one name serves everywhere.

`--hidden-size` is `Forecaster(hidden_size=...)` and `model.hidden_size` in a pipeline file. The
spellings the CLI used before (`--hidden`, `--layers`, `--lr`, `--clip`, from
`forecaster.settings.RENAMED`) still work, so scripts keep running, but `--help` lists only the
API's name, so nobody learns two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from forecaster.settings import RENAMED


class AliasedOption(click.Option):
    """A click option whose `aliases` are accepted on the command line but not shown in help."""

    def __init__(self, param_decls: Sequence[str], aliases: Sequence[str] = (),
                 **attrs: Any) -> None:
        super().__init__(param_decls, **attrs)
        self.aliases = tuple(aliases)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        every = self.opts
        self.opts = [name for name in every if name not in self.aliases]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = every


def old_flags(setting: str) -> list[str]:
    """The old spellings of the option for `setting` (e.g. ['--hidden'] for hidden_size)."""
    return [f"--{old}" for old, new in RENAMED.items() if new == setting]


def setting_option(setting: str, **attrs: Any) -> Callable:
    """`--setting-name` for the API setting `setting`, passed to the command as `setting`, with
    its old spellings kept as unlisted aliases."""
    flag = "--" + setting.replace("_", "-")
    aliases = old_flags(setting)
    return click.option(flag, *aliases, setting, cls=AliasedOption, aliases=aliases, **attrs)
