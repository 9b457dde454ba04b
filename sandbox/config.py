"""One Settings object for a launch: data dir, host, port, token and limits.

Built once from command-line arguments, then environment variables, then defaults.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import ConfigError

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


def default_data_dir() -> Path:
    """``data/`` beside launcher.py in a checkout; the platform's user-data dir when installed."""
    if (CHECKOUT_ROOT / "launcher.py").exists() and (CHECKOUT_ROOT / "pyproject.toml").exists():
        return CHECKOUT_ROOT / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("python-web-sandbox", appauthor=False))


def build_settings(*, data_dir=None, host=None, port=None, ui="window", env=None) -> Settings:
    """Arguments win over environment variables, which win over defaults."""
    env = os.environ if env is None else env
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
