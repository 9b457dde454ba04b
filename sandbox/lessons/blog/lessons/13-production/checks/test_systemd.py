"""The learner's systemd unit, read the way systemd reads it (sections, case-sensitive names, repeated
keys, backslash-continued lines): it runs the Waitress script with the venv's Python, in the project
folder, as an ordinary user, restarts it after a crash, gives it its secret settings with debug off,
starts at boot, and fits the nginx configuration when there is one."""

import posixpath
import re
import shlex

import bottle
import pytest
import webtest
from nginx_config import nginx_candidates, read_nginx, static_path
from serving import (
    addresses_of,
    environment_names_read,
    shown,
    waitress_addresses,
    waitress_scripts,
)
from systemd_unit import the_unit, unit_environment

PYTHON = re.compile(r"python(3(\.\d+)?)?(\.exe)?$")
SYSTEM_BINS = {"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE|CREDENTIAL|(^|_)KEY$", re.IGNORECASE)


@pytest.fixture
def unit(workspace):
    return the_unit(workspace)


def setting(unit, section, key, example):
    value = unit.value(section, key)
    if value is None:
        near = unit.near_miss(section, key)
        if near:
            pytest.fail(f"systemd's names are case-sensitive: write {key}= instead of {near}=.", pytrace=False)
        if section not in unit.sections:
            pytest.fail(f"{shown_unit(unit)} has no [{section}] section: add it, with {example} in it.", pytrace=False)
        pytest.fail(f"The [{section}] section has no {key}=: add {example}.", pytrace=False)
    return value


def shown_unit(unit):
    return unit.path.name


def exec_start(unit):
    """(python, script name or None, words) of ExecStart, with systemd's prefixes (-, @, +, !, :) removed."""
    value = setting(unit, "Service", "ExecStart", "ExecStart=/srv/blog/.venv/bin/python serve.py")
    try:
        words = shlex.split(value)
    except ValueError:
        pytest.fail(f"ExecStart={value} has a quote that is never closed.", pytrace=False)
    if not words:
        pytest.fail("ExecStart= is empty: write the command that starts your blog.", pytrace=False)
    words[0] = words[0].lstrip("-@+!:")
    script = None
    rest = iter(words[1:])
    for word in rest:
        if word == "-m":
            script = next(rest, "").replace(".", "/") + ".py"
            break
        if not word.startswith("-"):
            script = word
            break
    return words[0], script, words


def test_systemd_reads_the_unit(unit):
    """systemd can read your unit file"""
    for section, example in (("Unit", "Description=..."), ("Service", "ExecStart=..."),
                             ("Install", "WantedBy=multi-user.target")):
        assert section in unit.sections, f"{shown_unit(unit)} has no [{section}] section: add it, with {example} in it."


def test_unit_describes_the_blog(unit):
    """[Unit] says what the service is"""
    setting(unit, "Unit", "Description", "Description=My blog (Bottle on Waitress)")


def test_exec_start_runs_the_waitress_script(request, monkeypatch, unit, workspace):
    """ExecStart runs your Waitress script with the Python of a virtual environment"""
    python, script, _words = exec_start(unit)
    assert python.startswith("/"), (
        f"ExecStart starts with {python}: systemd needs the full path of the program, and it must be the Python of "
        "your virtual environment, like /srv/blog/.venv/bin/python.")
    assert PYTHON.search(posixpath.basename(python)), (
        f"ExecStart runs {python}: run your script with the virtual environment's Python, like "
        "/srv/blog/.venv/bin/python serve.py.")
    assert posixpath.basename(posixpath.dirname(python)) == "bin" and posixpath.dirname(python) not in SYSTEM_BINS, (
        f"ExecStart runs {python}, the system's own Python, which doesn't have your project's packages: use the "
        "Python inside your virtual environment, like /srv/blog/.venv/bin/python.")
    app_file = request.config.getoption("sandbox_app_module") or "app.py"
    scripts = {p.name: p for p in waitress_scripts(workspace, app_file)}
    name = posixpath.basename(script or "")
    assert name in scripts, (
        f"ExecStart runs {script or 'no script'}, but the script that starts Waitress is "
        f"{', '.join(scripts) or 'serve.py'}: write ExecStart={python} {next(iter(scripts), 'serve.py')}.")
    env, _files, _unseen = unit_environment(unit, workspace)
    waitress_addresses(request, monkeypatch, workspace, {k: v for k, v in env.items() if k in ("PORT", "HOST")},
                       script=scripts[name])


def test_systemd_knows_when_the_blog_has_started(unit):
    """systemd knows the blog has started"""
    kind = unit.value("Service", "Type") or "simple"
    assert kind in ("simple", "exec", "idle"), (
        f"Type={kind} makes systemd wait for a sign that Waitress never gives ({'a fork' if kind == 'forking' else 'a message'}), "
        "so it calls the start a failure: leave Type out (simple) or write Type=exec.")


def test_service_runs_in_the_project_folder(unit):
    """The service runs in your project's folder"""
    folder = setting(unit, "Service", "WorkingDirectory", "WorkingDirectory=/srv/blog")
    assert folder.lstrip("-").startswith(("/", "~")), (
        f"WorkingDirectory={folder} must be a full path, like /srv/blog, the folder with app.py on the server.")
    _python, script, _words = exec_start(unit)
    if script and script.startswith("/"):
        assert posixpath.dirname(script) == folder.lstrip("-").rstrip("/"), (
            f"ExecStart runs {script}, outside WorkingDirectory={folder}: keep the script in the project folder.")


def test_systemd_restarts_the_blog(unit):
    """systemd restarts the blog when it crashes"""
    restart = setting(unit, "Service", "Restart", "Restart=on-failure")
    assert restart in ("on-failure", "always"), (
        f"Restart={restart} doesn't bring the blog back after it crashes: write Restart=on-failure (or always).")


def test_blog_runs_as_an_ordinary_user(unit):
    """The blog runs as an ordinary user, not root"""
    if (unit.value("Service", "DynamicUser") or "").lower() in ("yes", "true", "1", "on"):
        return
    user = setting(unit, "Service", "User", "User=blog (an ordinary user, not root)")
    assert user not in ("root", "0"), (
        f"User={user} runs your blog with every right on the machine: one bug and an attacker owns the server. "
        "Make an ordinary user for it, like User=blog.")


def test_unit_gives_the_secret_settings(unit, workspace):
    """The unit gives the app its secret settings"""
    env, files, unseen = unit_environment(unit, workspace)
    assert env or files, (
        "The unit gives the app no settings: add EnvironmentFile=/etc/blog/blog.env (a file only root can read, "
        "with API_TOKEN=... in it) or Environment=NAME=value lines.")
    secrets = sorted(name for name in environment_names_read(workspace) if SECRET.search(name))
    missing = [name for name in secrets if not env.get(name)]
    if missing and not unseen:
        pytest.fail(f"Your app reads {', '.join(missing)} from the environment, but the unit doesn't set it: add it to "
                    "the EnvironmentFile (or an Environment= line).", pytrace=False)


def test_debug_stays_off_in_production(request, monkeypatch, unit, workspace):
    """Debug mode stays off with the unit's settings"""
    env, _files, _unseen = unit_environment(unit, workspace)
    if "DEBUG" in env:
        monkeypatch.setenv("DEBUG", env["DEBUG"])
    else:
        monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.setattr(bottle, "DEBUG", False)
    app = request.getfixturevalue("app")
    if not isinstance(app, bottle.Bottle):
        pytest.skip("This check needs the Bottle app in app.py.")
    app.catchall = True
    app.route("/check-crash")(lambda: 1 / 0)
    r = webtest.TestApp(app).get("/check-crash", expect_errors=True)
    assert "Traceback" not in r.text and "ZeroDivisionError" not in r.text, (
        f"With the unit's settings (DEBUG={env.get('DEBUG', '')}), a crash shows every visitor your code: "
        "production runs with debug off, so leave DEBUG out of the unit.")


def test_blog_starts_at_boot(unit):
    """The blog starts when the machine boots"""
    wanted = setting(unit, "Install", "WantedBy", "WantedBy=multi-user.target")
    assert "multi-user.target" in wanted.split(), (
        f"WantedBy={wanted}: write WantedBy=multi-user.target, so systemctl enable starts the blog at every boot.")


def test_unit_and_nginx_fit_together(request, monkeypatch, unit, workspace):
    """The unit and your nginx configuration agree"""
    if not nginx_candidates(workspace):
        return
    config = read_nginx(workspace)
    env, _files, _unseen = unit_environment(unit, workspace)
    script, start = waitress_addresses(request, monkeypatch, workspace,
                                       {k: v for k, v in env.items() if k in ("PORT", "HOST")})
    listening = {(ip, port) for host, port in start.addresses for ip in addresses_of(host)}
    folder = (unit.value("Service", "WorkingDirectory") or "").lstrip("-").rstrip("/")
    for server in config.servers:
        location = server.handler("/")
        proxies = [d for d in (location or {}).get("block", []) if d["directive"] == "proxy_pass"]
        targets = config.proxy_target(proxies[-1]["args"][0])[1] if proxies else []
        if targets and not any("$" in host for host, _port in targets):
            assert any((ip, port) in listening for host, port in targets for ip in addresses_of(host)), (
                f"With the unit's settings, python {script.name} has Waitress listen on {start.described()}, but "
                f"nginx passes requests to {', '.join(f'{h}:{p}' for h, p in targets)}: make them the same.")
        static = server.location_for("/static/style.css")
        if static is not None and static is not location and folder.startswith("/"):
            path = static_path(server, static, "/static/style.css")
            if path and path.startswith("/"):
                assert posixpath.dirname(posixpath.normpath(path)) == f"{folder}/static", (
                    f"nginx sends static files from {posixpath.dirname(posixpath.normpath(path))}/, but the blog runs "
                    f"in {folder}: point nginx at {folder}/static/.")
    assert shown(workspace, config.path)
