"""``sandbox-classroom`` (or ``python -m sandbox.classroom_service``): the classroom service under Waitress,
started by JupyterHub as a managed service.

The Hub tells it where to listen and how to reach the Hub through the environment of a service
(``JUPYTERHUB_SERVICE_URL``, ``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_API_URL``,
``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_CLIENT_ID``, ``JUPYTERHUB_OAUTH_CALLBACK_URL``,
``JUPYTERHUB_OAUTH_ACCESS_SCOPES``); the service's own settings, each with an option that wins:

- ``--data-dir`` / ``SANDBOX_CLASSROOM_DATA``: where offers and reports are kept
  (default ``~/.local/share/sandbox-classroom``);
- ``--instructors`` / ``SANDBOX_CLASSROOM_INSTRUCTORS``: the Hub group whose members get the pages
  (default ``instructors``).

Exit status 1 with one sentence when the environment is not a Hub service's.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sandbox.errors import ConfigError, SandboxError

log = logging.getLogger("sandbox.classroom_service")
THREADS = 8


def options(argv=None, env=None) -> argparse.Namespace:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="sandbox-classroom", description=(
        "The classroom service: instructors publish lesson packs to Hub groups and see the gradebook. "
        "JupyterHub starts it (see docs/classroom.md)."))
    parser.add_argument("--data-dir", type=Path, default=Path(env.get("SANDBOX_CLASSROOM_DATA") or
                                                              Path.home() / ".local/share/sandbox-classroom"),
                        help="where offers and reports are kept (SANDBOX_CLASSROOM_DATA)")
    parser.add_argument("--instructors", default=env.get("SANDBOX_CLASSROOM_INSTRUCTORS") or "instructors",
                        help="the Hub group of instructors (SANDBOX_CLASSROOM_INSTRUCTORS, default: instructors)")
    return parser.parse_args(argv)


def listen_address(env) -> tuple[str, int, str]:
    """(host, port, prefix) from the Hub's ``JUPYTERHUB_SERVICE_URL`` and ``JUPYTERHUB_SERVICE_PREFIX``.

    ``SANDBOX_CLASSROOM_BIND`` replaces the host to listen on where the URL's host is a name others
    reach it by, not an address of its own (Zero to JupyterHub: ``hub``, the Service's cluster IP;
    there ``0.0.0.0``). Raises ConfigError."""
    url = env.get("JUPYTERHUB_SERVICE_URL")
    if not url or not env.get("JUPYTERHUB_API_TOKEN"):
        raise ConfigError("The classroom service is started by JupyterHub (JUPYTERHUB_SERVICE_URL and "
                          "JUPYTERHUB_API_TOKEN are not set): add it to c.JupyterHub.services as docs/classroom.md "
                          "shows.")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or not port:
        raise ConfigError(f"JUPYTERHUB_SERVICE_URL {url!r} is not an http address with a host and a port.")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or "/services/classroom/"
    host = env.get("SANDBOX_CLASSROOM_BIND") or parts.hostname
    return host, port, prefix if prefix.endswith("/") else prefix + "/"


def build(args: argparse.Namespace, prefix: str):
    """The service's WSGI app on its data folder, logging people in through the Hub."""
    from sandbox.classroom_service.app import ClassroomService
    from sandbox.classroom_service.store import ClassroomStore
    from sandbox.web.hub_login import HubSession, hub_oauth

    try:
        store = ClassroomStore(args.data_dir)
    except OSError as exc:
        raise ConfigError(f"The classroom's data folder {args.data_dir} cannot be used ({exc.strerror or exc}).") \
            from None
    try:
        auth = hub_oauth()
    except SandboxError:
        raise
    except Exception as exc:  # noqa: BLE001 - traitlets refuses an empty JUPYTERHUB_CLIENT_ID, say
        raise ConfigError(f"The Hub's settings for this service are incomplete: {exc}") from None
    return ClassroomService(store, HubSession(auth, prefix), instructors=args.instructors, prefix=prefix)


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = options(argv)
    try:
        host, port, prefix = listen_address(os.environ)
        app = build(args, prefix)
    except SandboxError as exc:
        print(exc, file=sys.stderr)
        return 1
    from waitress import serve

    from sandbox.classroom_service.app import max_body_bytes

    log.info("Classroom service for the group '%s' at http://%s:%s%s, data in %s", args.instructors, host, port,
             prefix, args.data_dir)
    serve(app, host=host, port=port, threads=THREADS, max_request_body_size=max_body_bytes(),
          clear_untrusted_proxy_headers=True, ident="sandbox-classroom")
    return 0
