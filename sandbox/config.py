"""One Settings object for a launch: data dir, host, port, token and limits.

Built once from command-line arguments, then environment variables, then defaults.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import ConfigError
from sandbox.hub import HubConfig

LOOPBACK_HOSTS = ("127.0.0.1",)
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent
MAX_UPLOAD_BYTES = 32 * 1024 * 1024


@dataclass
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    ui: str = "window"  # window | browser | headless
    max_body_bytes: int = MAX_UPLOAD_BYTES
    check_timeout: float = 10.0
    check_memory_mb: int = 1024
    hub: HubConfig | None = None  # classroom mode: what JupyterHub told this single-user server; None on the desktop

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sandbox.db"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def packs_dir(self) -> Path:
        return self.data_dir / "packs"

    @property
    def workspaces_dir(self) -> Path:
        return self.data_dir / "workspaces"

    @property
    def wheelhouse(self) -> Path:
        """The wheels the terminal's Python installs from, offline: ``wheelhouse/`` beside launcher.py in a
        checkout (``tasks.py setup`` fills it), else in the data folder."""
        if (CHECKOUT_ROOT / "launcher.py").exists() and (CHECKOUT_ROOT / "pyproject.toml").exists():
            return CHECKOUT_ROOT / "wheelhouse"
        return self.data_dir / "wheelhouse"

    @property
    def environments_dir(self) -> Path:
        """Where the learner's own Pythons (virtual environments) are made, one folder each."""
        return self.data_dir / "environments"

    @property
    def pack_environments_dir(self) -> Path:
        """Where packs' own libraries are installed, one folder per set of requirements (``packs.environment``)."""
        return self.environments_dir / "packs"


def default_data_dir(*, hub: bool = False) -> Path:
    """``data/`` beside launcher.py in a checkout; the platform's user-data dir when installed, and always
    under the Hub (a checkout's ``data/`` would be shared by every learner the Hub starts from it)."""
    if not hub and (CHECKOUT_ROOT / "launcher.py").exists() and (CHECKOUT_ROOT / "pyproject.toml").exists():
        return CHECKOUT_ROOT / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("python-web-sandbox", appauthor=False))


def build_settings(*, data_dir=None, host=None, port=None, ui="window", env=None, hub=None) -> Settings:
    """Arguments win over environment variables, which win over defaults.

    ``hub=True`` (``sandbox serve --hub``), or ``None`` with JupyterHub's variables set, is classroom
    mode: the address comes from ``JUPYTERHUB_SERVICE_URL`` (any host, as the Hub's proxy must reach
    it), no window opens, and the data folder is under the user's home. Raises ConfigError.
    """
    env = os.environ if env is None else env
    if hub is None:
        from sandbox.hub import hub_requested

        hub = hub_requested(env)
    if hub:
        return _hub_settings(data_dir=data_dir, host=host, port=port, env=env)
    chosen = data_dir or env.get("SANDBOX_DATA_DIR") or default_data_dir()
    host = host or "127.0.0.1"
    if host not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"--host {host} is refused: the sandbox only listens on 127.0.0.1 so no other computer can reach it."
        )
    port = 0 if port is None else port
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a port number (use 1-65535, or 0 for any free port).")
    return Settings(data_dir=Path(chosen).expanduser().resolve(), host=host, port=port, ui=ui)


def _hub_settings(*, data_dir, host, port, env) -> Settings:
    from sandbox.hub import hub_config

    hub = hub_config(env)
    if host is not None and host != hub.host:
        raise ConfigError(f"--host {host} is refused: under JupyterHub the sandbox listens where "
                          f"JUPYTERHUB_SERVICE_URL says ({hub.host}).")
    port = hub.port if port is None else port
    chosen = data_dir or env.get("SANDBOX_DATA_DIR") or default_data_dir(hub=True)
    return Settings(data_dir=Path(chosen).expanduser().resolve(), host=hub.host, port=port, ui="headless", hub=hub)


def prepare_data_dir(path: Path) -> None:
    """Create the data dir on first start, or say in one sentence why it cannot be used."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"The data folder {path} is a file, not a folder: choose another with --data-dir.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "logs").mkdir(exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"The data folder {path} cannot be written ({exc.strerror or exc}): choose another with --data-dir."
        ) from None
