"""Settings: arguments beat environment variables, which beat defaults."""


import pytest

from sandbox import config
from sandbox.errors import ConfigError


def test_data_dir_argument_beats_the_environment(tmp_path):
    s = config.build_settings(data_dir=tmp_path / "arg", env={"SANDBOX_DATA_DIR": str(tmp_path / "env")})
    assert s.data_dir == (tmp_path / "arg").resolve()


def test_environment_beats_the_default(tmp_path):
    s = config.build_settings(env={"SANDBOX_DATA_DIR": str(tmp_path / "env")})
    assert s.data_dir == (tmp_path / "env").resolve()


def test_a_checkout_keeps_its_data_beside_the_launcher():
    assert config.default_data_dir() == config.CHECKOUT_ROOT / "data"


def test_an_installed_package_uses_the_platform_data_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "CHECKOUT_ROOT", tmp_path)  # no launcher.py there: an installed package
    assert "python-web-sandbox" in str(config.default_data_dir())
    assert not str(config.default_data_dir()).startswith(str(tmp_path))


def test_data_is_git_ignored():
    assert "/data/" in (config.CHECKOUT_ROOT / ".gitignore").read_text().split()


@pytest.mark.parametrize("port", [-1, 70000])
def test_a_port_out_of_range_is_refused(tmp_path, port):
    with pytest.raises(ConfigError, match="not a port number"):
        config.build_settings(data_dir=tmp_path, port=port, env={})


def test_qt_sandbox_is_disabled_only_as_root_on_linux():
    from sandbox.launch.window import qt_environment

    assert qt_environment(0, "linux") == {"QTWEBENGINE_DISABLE_SANDBOX": "1"}
    assert qt_environment(1000, "linux") == {}
    assert qt_environment(0, "darwin") == {}


def test_gui_probe_explains_a_missing_display():
    from sandbox.launch.window import gui_problem

    assert "no graphical display" in gui_problem(env={})
    assert "cannot be reached" in gui_problem(env={"DISPLAY": ":987"})


def test_the_window_keeps_its_top_frame_on_the_sandbox():
    from sandbox.launch.window import leaves_origin

    home = "http://127.0.0.1:5000"
    assert not leaves_origin("http://127.0.0.1:5000/learn/blog", home)
    assert leaves_origin("https://example.com/", home)
    assert leaves_origin("http://localhost:5000/", home)  # the preview's host: only ever inside its frame
    assert leaves_origin("http://127.0.0.1:5001/", home)
    assert not leaves_origin("about:blank", home)
    assert leaves_origin("data:text/html,hi", home)
