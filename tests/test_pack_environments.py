"""A pack's own libraries: requirements in pack.toml, an environment per requirement set installed
from wheels (offline), checks that import from it in a warm worker of its own, two packs with
conflicting versions side by side, zips built --with-wheels that install with no network, and the
environment removed with the last pack that needs it.

The wheels are made here (a wheel is a zip with a RECORD), so nothing is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from sandbox.checker import CheckRunner
from sandbox.errors import PackError
from sandbox.packs.build import build_pack
from sandbox.packs.catalog import Catalog
from sandbox.packs.check import check_pack
from sandbox.packs.environment import Environments, EnvironmentNotReady, top_level_modules
from sandbox.packs.reader import load_pack

NAME = "sandbox_greeting_fixture"


def make_wheel(folder: Path, version: str) -> Path:
    """A pure-Python wheel of ``NAME`` whose ``greet()`` says which version it is."""
    files = {
        f"{NAME}/__init__.py": f"VERSION = {version!r}\n\ndef greet(name):\n    return f'Hello {{name}} from {version}'\n",
        f"{NAME}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n",
        f"{NAME}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{NAME}-{version}.dist-info/top_level.txt": f"{NAME}\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append(f"{NAME}-{version}.dist-info/RECORD,,")
    files[f"{NAME}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    make_wheel(folder, "1.0")
    make_wheel(folder, "2.0")
    return folder


def write_pack(root: Path, pack_id: str, requirement: str | None, expected: str) -> Path:
    """A one-step pack whose check needs the library at the version ``expected``."""
    lesson = root / "lessons" / "01-hello"
    for folder in ("checks", "solution/hello", "starter"):
        (lesson / folder).mkdir(parents=True, exist_ok=True)
    requirements = f'requirements = ["{requirement}"]\nframework = "Greeting"\n' if requirement else ""
    (root / "pack.toml").write_text(f'format = 1\nid = "{pack_id}"\ntitle = "Greeting {pack_id}"\nversion = "1.0.0"\n'
                                    f'{requirements}lessons = ["01-hello"]\n')
    (lesson / "lesson.toml").write_text('title = "Hello"\n\n[[steps]]\nid = "hello"\nkind = "code"\n'
                                        'title = "Hello"\ninstructions = "hello.md"\nchecks = "checks/test_hello.py"\n')
    (lesson / "hello.md").write_text("Greet the visitor.\n")
    (lesson / "starter" / "app.py").write_text("from bottle import Bottle\n\napp = Bottle()\n")
    (lesson / "solution" / "hello" / "app.py").write_text(
        f"from bottle import Bottle\nfrom {NAME} import greet\n\napp = Bottle()\n\n\n"
        "@app.route('/')\ndef home():\n    return greet('you')\n")
    (lesson / "checks" / "test_hello.py").write_text(
        "def test_the_home_page_greets(client):\n"
        "    page = client.get('/', expect_errors=True)\n"
        f"    assert page.status_int == 200 and 'from {expected}' in page.text, 'The home page should greet the visitor.'\n")
    return root


def test_requirements_that_are_not_names_from_an_index_are_refused_with_their_line(tmp_path):
    root = write_pack(tmp_path / "p", "greet-a", "x @ https://example.org/x.whl", "1.0")
    with pytest.raises(PackError) as caught:
        load_pack(root)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "pack.toml line 5" in text and "points at a URL" in text
    write_pack(root, "greet-a", "--index-url=http://evil", "1.0")
    with pytest.raises(PackError, match="pip option"):
        load_pack(root)


def test_a_pack_without_requirements_needs_no_environment(tmp_path):
    pack = load_pack(write_pack(tmp_path / "p", "plain", None, "1.0"))
    assert pack.requirements == () and pack.framework is None
    environments = Environments(tmp_path / "envs", online=False)
    assert environments.path_for(pack) is None and environments.state(pack).state == "none"


def test_two_packs_with_conflicting_versions_each_check_against_their_own(tmp_path, wheelhouse):
    environments = Environments(tmp_path / "envs", wheelhouse=wheelhouse, online=False)
    said = []
    one = environments.prepare([f"{NAME}==1.0"], progress=said.append)
    two = environments.prepare([f"{NAME}==2.0"])
    assert one != two and any("from the wheels on this computer" in s for s in said)
    assert top_level_modules(one) == [NAME]
    assert environments.prepare([f"{NAME}==1.0"]) == one  # ready: nothing installed again
    with CheckRunner(timeout=20) as runner:
        for version, folder in (("1.0", one), ("2.0", two)):
            pack = write_pack(tmp_path / version, "greet", f"{NAME}=={version}", version)
            workspace = pack / "lessons/01-hello/solution/hello"
            result = runner.run(workspace, [pack / "lessons/01-hello/checks/test_hello.py"], key="learner-1",
                                environment=folder)
            assert result.passed, result.to_dict()
        # Without the environment, the learner's app cannot import the library.
        result = runner.run(workspace, [pack / "lessons/01-hello/checks/test_hello.py"], key="learner-1")
        assert not result.passed


def test_pack_check_installs_the_libraries_and_a_missing_one_is_one_sentence(tmp_path, wheelhouse):
    pack = write_pack(tmp_path / "p", "greet-b", f"{NAME}==1.0", "1.0")
    with CheckRunner(timeout=20) as runner:
        report = check_pack(pack, runner, environments=Environments(tmp_path / "envs", wheelhouse=wheelhouse, online=False))
        assert report.ok, [str(p) for p in report.problems] + [r.reason for r in report.rows]
        missing = check_pack(pack, runner, environments=Environments(tmp_path / "none", online=False))
    assert not missing.ok
    assert "could not be installed" in str(missing.problems[0]) or "cannot be installed" in str(missing.problems[0])


def test_a_zip_built_with_wheels_installs_and_checks_with_no_network(tmp_path, wheelhouse):
    pack = write_pack(tmp_path / "p", "greet-c", f"{NAME}==2.0", "2.0")
    out = build_pack(pack, tmp_path / "dist/", with_wheels=True, find_links=[wheelhouse], offline=True)
    with zipfile.ZipFile(out) as archive:
        assert f"greet-c/wheels/{NAME}-2.0-py3-none-any.whl" in archive.namelist()
    # A computer with no wheelhouse and no network: only the zip's own wheels.
    catalog = Catalog(tmp_path / "data/packs", environments=Environments(tmp_path / "data/envs", online=False))
    result = catalog.install(out, prepare=False)
    installed = catalog.get("greet-c")
    with pytest.raises(EnvironmentNotReady, match="still being installed"):
        catalog.environments.path_for(installed)  # starts the install in the background
    folder = catalog.environments.prepare(installed.requirements, wheels=Path(installed.root) / "wheels")
    assert catalog.environments.path_for(installed) == folder
    assert catalog.environments.state(installed).state == "ready" and catalog.environments.state(installed).size > 0
    with CheckRunner(timeout=20) as runner:
        lesson = Path(result.pack.root) / "lessons/01-hello"
        assert runner.run(lesson / "solution/hello", [lesson / "checks/test_hello.py"], key="learner-2",
                          environment=folder).passed
    catalog.remove("greet-c")
    assert not folder.exists()  # no installed pack needs it any more


def test_build_with_wheels_that_cannot_be_had_is_one_sentence(tmp_path):
    pack = write_pack(tmp_path / "p", "greet-d", f"{NAME}==9.9", "9.9")
    with pytest.raises(PackError, match=r"could not be downloaded"):
        build_pack(pack, tmp_path / "dist/", with_wheels=True, offline=True)
    assert not list((tmp_path / "dist").glob("*.zip"))


def test_the_preview_and_the_terminal_import_the_packs_libraries(outside_pytest_temp, wheelhouse):
    import tempfile
    import time
    import urllib.request

    from sandbox.preview.manager import PreviewManager
    from sandbox.terminal.manager import TerminalManager

    base = Path(tempfile.mkdtemp(dir=outside_pytest_temp))
    folder = Environments(base / "envs", wheelhouse=wheelhouse, online=False).prepare([f"{NAME}==2.0"])
    pack = write_pack(base / "p", "greet-e", f"{NAME}==2.0", "2.0")
    workspace = pack / "lessons/01-hello/solution/hello"
    previews = PreviewManager()
    try:
        status = previews.open(1, workspace, "app.py", libraries=folder)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(status.url, timeout=5) as answer:
                    assert answer.read().decode() == "Hello you from 2.0"
                    break
            except OSError:
                assert time.monotonic() < deadline, previews.output(1)
                time.sleep(0.2)
    finally:
        previews.close()
    terminals = TerminalManager(environment=None)
    try:
        info = terminals.open(1, workspace, kind="shell", libraries=folder)
        terminals.write(1, info.id, f"python3 -c 'import {NAME}; print(\"v=\" + {NAME}.VERSION)'\r")
        deadline, text, offset = time.monotonic() + 30, "", 0
        while "v=2.0" not in text:
            assert time.monotonic() < deadline, text
            new, offset, _, _ = terminals.output(1, info.id, offset)
            text += new
            time.sleep(0.1)
    finally:
        terminals.close()


def test_the_lesson_page_says_the_libraries_are_coming_and_its_visit_installs_them(tmp_path, wheelhouse, settings,
                                                                                   store, check_runner):
    import time

    from tests.conftest import PORT, PageClient

    from sandbox.services import Services
    from sandbox.web import create_app
    from sandbox.web.security import csrf_token

    environments = Environments(tmp_path / "envs", wheelhouse=wheelhouse, online=False)
    catalog = Catalog(settings.packs_dir, environments=environments)
    catalog.install(write_pack(tmp_path / "p", "greet-f", f"{NAME}==1.0", "1.0"), prepare=False)
    services = Services(store=store, catalog=catalog, checker=check_runner, open_url=lambda url: True)
    client = PageClient(create_app(settings, services), extra_environ={"HTTP_HOST": f"127.0.0.1:{PORT}"})
    client.run_page_scripts = False
    client.get(f"/?token={settings.token}", status=303)
    page = client.get("/learn/greet-f/01-hello/hello")
    assert "Getting Greeting ready for this course" in page.text
    assert not (tmp_path / "envs").exists()  # a GET changes nothing
    client.post("/learn/greet-f/01-hello/hello/visit", headers={"X-CSRF-Token": csrf_token(settings.token)})
    deadline = time.monotonic() + 60
    while environments.state(catalog.get("greet-f")).state != "ready":
        assert time.monotonic() < deadline, environments.state(catalog.get("greet-f"))
        time.sleep(0.2)
    assert "libraries-notice" not in client.get("/learn/greet-f/01-hello/hello").text
    packs = client.get("/packs").text
    assert "Greeting" in packs and "sandbox_greeting_fixture==1.0 ·" in packs and " MB" in packs
