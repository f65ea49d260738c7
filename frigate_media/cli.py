"""The `frigate-media` command: serve, index and user management."""

from __future__ import annotations

import argparse
import getpass
import logging
import secrets
import sys
from collections.abc import Sequence

from frigate_media import __version__
from frigate_media.config import FrigateConfig, demo_config, load_config
from frigate_media.errors import ConfigError, MediaError
from frigate_media.workers.recording import index_command

EXIT_CONFIG = 2
DEMO_DATA_DIR = "data"


def _config_from(args: argparse.Namespace) -> tuple[FrigateConfig, str]:
    if args.config:
        config = load_config(args.config)
        if config.frigate_config:
            return config, f"{args.config} over Frigate's {config.frigate_config}"
        return config, args.config
    return demo_config(DEMO_DATA_DIR), f"embedded demo (data under ./{DEMO_DATA_DIR})"


def _writable_config(args: argparse.Namespace, command: str) -> FrigateConfig:
    """The config of a command that writes the database: refused beside Frigate (exit 2)."""
    config, _ = _config_from(args)
    if config.read_only:
        raise ConfigError(
            f"{command} writes the database, and mode is {config.mode}: Frigate's database "
            "is read-only to frigate-media (use Frigate for this, or mode: standalone)"
        )
    return config


def _serve(args: argparse.Namespace) -> int:
    from frigate_media.api.route_table import build_route_contexts
    from frigate_media.app import create_app
    from frigate_media.serving import serve

    config, source = _config_from(args)
    if args.host:
        config.server.host = args.host
    if args.port:
        config.server.port = args.port
    app = create_app(config)
    build_route_contexts(app)  # not on the first requests' time
    host, port = config.server.host, config.server.port
    shown_host = f"[{host}]" if ":" in host else host
    print(f"frigate-media {__version__} using {source}", flush=True)
    read_only = " (read-only)" if config.read_only else ""
    print(
        f"mode: {config.mode}; cameras: {', '.join(config.cameras) or '(none)'}; "
        f"database: {config.database.path}{read_only}; media: {config.paths.media}; "
        f"cache: {config.paths.cache}; scratch: {config.scratch_dir()}",
        flush=True,
    )
    print(f"serving on http://{shown_host}:{port}{config.server.api_prefix}/version", flush=True)
    # uvicorn with a cap on request heads and Frigate's trusted proxies.
    serve(app, config, log_level=args.log_level)
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from frigate_media.services.accounts import add_user
    from frigate_media.storage.db import open_database

    config = _writable_config(args, "user add")
    if args.role not in config.role_names():
        raise ConfigError(f"--role: unknown role '{args.role}' (known: {config.role_names()})")
    password = args.password
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass(f"Password for {args.name}: ")
        else:
            password, generated = secrets.token_urlsafe(12), True
    open_database(config.database.path)
    add_user(args.name, password, args.role, config.auth.hash_iterations)
    print(f"user {args.name} saved with role {args.role}")
    if generated:
        print(f"generated password: {password}")
    return 0


def _index(args: argparse.Namespace) -> int:
    return index_command.run(args, _writable_config(args, "index"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frigate-media", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="serve the media API (the demo without --config)")
    serve.add_argument("--config", help="Frigate config.yml (default: the embedded demo)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    user = commands.add_parser("user", help="manage users in Frigate's user table")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="create or replace a user")
    add.add_argument("name")
    add.add_argument("--role", default="viewer")
    add.add_argument("--password", help="(default: prompt, or generate when not a terminal)")
    add.add_argument("--config")
    add.set_defaults(handler=_user_add)

    index = commands.add_parser("index", help="adopt a recordings folder into the database")
    index.add_argument("--config")
    index_command.configure(index)
    index.set_defaults(handler=_index)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        args = parser.parse_args(["serve", *(argv or sys.argv[1:])])
        handler = args.handler
    try:
        return int(handler(args))
    except ConfigError as error:
        print(f"frigate-media: config error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except MediaError as error:
        print(f"frigate-media: {error.message}", file=sys.stderr)
        return 1
