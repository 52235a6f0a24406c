"""The command line: ``python -m bot <command> --help``.

The framework's commands live one module per group beside this file; a
capability adds its own through ``Capability.command`` (``group`` names the
group it joins, e.g. ``admin``). Those are looked up when the command line is
parsed, not when this package is imported, so a capability may import the
shared CLI helpers in ``bot.cli.common``.
"""

from __future__ import annotations

import gc
import sys

import click

from bot.cli import admin, chat, data, doctor, outbox, server, sweep

# Commands that switch the cycle collector back on themselves, once warm (bot.cli.common.warmed_up).
WARM_STARTS = frozenset({"serve", "worker", "demo"})


class _Commands(click.Group):
    """The framework's commands plus every capability's, added on first use."""

    _capabilities_added = False

    def _add_capability_commands(self) -> None:
        if self._capabilities_added:
            return
        self._capabilities_added = True
        from bot.dialog.capability import load_registry

        for group, command in load_registry().commands():
            target = self.commands[group] if group else self
            target.add_command(command)  # type: ignore[attr-defined]

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_capability_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._add_capability_commands()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        """A database that cannot be reached, whatever the command: one line with the fix, not a traceback."""
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            return super().invoke(ctx)
        except (OperationalError, InterfaceError) as exc:
            from bot.cli.preflight import unreachable

            raise unreachable(None, exc) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Linli (邻里): community-governance WeChat bot."""
    # Called once the subcommand is known (click sets invoked_subcommand just before this callback).
    if click.get_current_context().invoked_subcommand not in WARM_STARTS:
        gc.enable()  # bot/__main__.py switched it off for the start-up of the long-running commands


for _command in (data.init, data.import_cmd, server.serve, server.worker, server.demo, chat.chat, chat.explain,
                 outbox.outbox, admin.admin, sweep.sweep, doctor.doctor):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
