"""``pyvault server …`` and ``pyvault version``, with Vault's single-dash flags."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pyvault.version import VAULT_API_VERSION, __version__


def _server_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pyvault server", allow_abbrev=False)
    parser.add_argument("-config", "--config", action="append", default=[], metavar="FILE",
                        help="config file or folder of .hcl/.json files (repeatable)")
    parser.add_argument("-dev", "--dev", action="store_true",
                        help="in-memory, initialised and unsealed development server")
    parser.add_argument("-dev-root-token-id", "--dev-root-token-id", default="",
                        help="root token for dev mode")
    parser.add_argument("-dev-listen-address", "--dev-listen-address",
                        default="127.0.0.1:8200", help="address for dev mode")
    parser.add_argument("-log-level", "--log-level", default=None,
                        help="trace, debug, info, warn or error")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print("usage: pyvault <server|version> [options]")
        return 0 if args else 1
    command, rest = args[0], args[1:]
    if command in ("version", "-version", "--version"):
        print(f"pyvault v{__version__} (Vault API {VAULT_API_VERSION})")
        return 0
    if command == "server":
        from pyvault.cli.server import serve

        options = _server_parser().parse_args(rest)
        return serve(
            config_paths=options.config,
            dev=options.dev,
            dev_root_token_id=options.dev_root_token_id,
            dev_listen_address=options.dev_listen_address,
            log_level=options.log_level,
        )
    print(f"pyvault: unknown command {command!r}; try 'pyvault server' or 'pyvault version'",
          file=sys.stderr)
    return 1
