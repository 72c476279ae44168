"""The `ogi` command: one sub-command per task, each a thin layer over a Python function."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module has register(subparsers): it adds its sub-commands, each with func=handler.
COMMAND_MODULES = ["parsers.cli", "archive.cli", "crawler.cli", "ogi.demo"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogi",
        description="Crawl, extract and publish 政府信息公开工作年度报告 (OGI annual reports).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from archive.schema import ArchiveMissing

    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except ArchiveMissing as e:  # only ogi crawl and ogi demo make an archive
        print(f"ogi {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
