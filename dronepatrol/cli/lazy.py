"""A command group whose subcommands are imported only when they run.

``dronepatrol --help`` lists every group from a static table (name, module, one-line help); the
group's module, and the heavy libraries it needs, load only when that group is invoked, asked for
``--help``, or completed in the shell.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup


class _Listing(typer.core.TyperCommand):
    """What a listing needs of a group that has not been imported: its name and help."""


class LazyGroup(TyperGroup):
    """Subclass and set ``lazy = {name: (module, attribute, one-line help)}``; the attribute is a
    ``typer.Typer`` app (a command group) or a command function."""

    lazy: ClassVar[dict[str, tuple[str, str, str]]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        return _Listing(name=cmd_name, help=self.lazy[cmd_name][2], callback=None)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in self.lazy:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, name: str) -> Any:
        """Import the group ``name`` and return its command (cached)."""
        if name not in self.commands:
            module, attribute, _help = self.lazy[name]
            obj = getattr(import_module(module), attribute)
            if isinstance(obj, typer.Typer):  # a group, even when it has one command
                command = typer.main.get_group(obj)
            else:
                single = typer.Typer(add_completion=False)
                single.command(name)(obj)
                command = typer.main.get_command(single)
            command.name = name
            self.commands[name] = command
        return self.commands[name]
