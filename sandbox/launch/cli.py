"""The command line: run the sandbox (the default) and manage lesson packs.

Every command turns the sandbox's own errors into one sentence and exit status 1.
"""

from __future__ import annotations

import argparse
import sys

from sandbox import PRODUCT_NAME, __version__
from sandbox.config import build_settings
from sandbox.errors import SandboxError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox", description=f"{PRODUCT_NAME}: learn to build websites with Python.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    ui = parser.add_mutually_exclusive_group()
    ui.add_argument("--browser", dest="ui", action="store_const", const="browser",
                    help="open the sandbox in the system browser instead of its own window")
    ui.add_argument("--headless", dest="ui", action="store_const", const="headless",
                    help="open no window; print the address and serve until Ctrl+C")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: any free port)")
    parser.add_argument("--host", default=None, help="address to listen on; only 127.0.0.1 is allowed")
    add_data_dir(parser)
    parser.set_defaults(ui="window", handler=run_command)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from sandbox.launch import instructor_commands, pack_commands, progress_commands, watch_commands

    serve = commands.add_parser("serve", help="serve the sandbox without opening a window (add --hub under JupyterHub)")
    serve.add_argument("--hub", action="store_true",
                       help="run as JupyterHub's single-user server: address, prefix and login come from the Hub")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default: any free port, or the Hub's)")
    serve.add_argument("--host", default=None, help="address to listen on; only 127.0.0.1 is allowed outside the Hub")
    add_data_dir(serve)
    serve.set_defaults(handler=serve_command, ui="headless")
    pack_commands.add_commands(commands, add_data_dir)
    watch_commands.add_commands(commands, add_data_dir)
    progress_commands.add_commands(commands, add_data_dir)
    instructor_commands.add_commands(commands, add_data_dir)
    return parser


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="folder for progress and workspaces (default: data/ in a checkout; env SANDBOX_DATA_DIR)")


def run_command(args) -> int:
    from sandbox.launch import run

    settings = build_settings(data_dir=getattr(args, "data_dir", None), host=args.host, port=args.port, ui=args.ui)
    return finish(settings, run.run(settings))


def serve_command(args) -> int:
    from sandbox.launch import run

    settings = build_settings(data_dir=getattr(args, "data_dir", None), host=args.host, port=args.port,
                              ui="headless", hub=True if args.hub else None)
    return finish(settings, run.run(settings))


def finish(settings, code: int) -> int:
    """Under the Hub, end the process as soon as the sandbox has stopped cleanly.

    Everything is saved and closed by then; what is left is the interpreter's own clean-up, whose
    garbage collections of a large heap take seconds on a busy server, past the 2 s the Hub's
    culler and Kubernetes give a stopped server. On the desktop the process ends normally.
    """
    if settings.hub is None:
        return code
    import logging
    import os

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args) or 0
    except SandboxError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
