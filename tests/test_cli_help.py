"""Every sub-command of `ogi` and every option has help; descriptions read as plain text."""

from __future__ import annotations

import argparse

from ogi.cli import build_parser


def _commands(parser, prefix=()):
    """((name, …), parser, its one-line help in its parent's list) of every sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*prefix, name), (sub, helps.get(name))
                yield from _commands(sub, (*prefix, name))


def test_every_command_and_option_has_help():
    commands = dict(_commands(build_parser()))
    assert {
        ("extract",),
        ("build",),
        ("serve",),
        ("export",),
        ("search",),
        ("crawl",),
        ("health",),
        ("demo",),
        ("demo-portals",),
        ("sources",),
        ("sources", "check"),
    } <= set(commands)
    for name, (parser, line) in commands.items():
        assert line, name  # in the parent's list of commands
        assert "`" not in (parser.description or "") + (parser.epilog or ""), name
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, (name, action.dest)
        parser.format_help()  # renders
