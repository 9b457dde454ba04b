"""The launcher as a user runs it: headless address line, clean stop, one server per data dir, bad input."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from tests.conftest import ROOT, need, wait_for
from tests.support import descendants, is_running

pytestmark = pytest.mark.slow


def open_url(url: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    return opener.open(url, timeout=5)


def test_headless_prints_one_address_line_serves_and_stops_on_sigterm(sandbox_process):
    proc, url = sandbox_process()
    assert url.startswith("http://127.0.0.1:") and "?token=" in url
    with open_url(url) as r:
        assert r.status == 200 and "Welcome, " in r.read().decode()
    # Only this sandbox's own children (the warm check worker...), found while it runs: once it
    # exits, they would no longer be below it. Other processes on the machine are none of our business.
    spawned = wait_for(lambda: descendants(proc.pid), what="the sandbox's check worker to start")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0  # the bound only catches a hang
    wait_for(lambda: not [p for p in spawned if is_running(p)],
             what=f"the sandbox's children {spawned} to exit (one outlived the sandbox)")
    assert "Traceback" not in proc.stderr.read()


def test_ctrl_c_stops_cleanly(sandbox_process):
    proc, url = sandbox_process()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0  # the bound only catches a hang
    assert "Traceback" not in proc.stderr.read()


def test_second_launch_on_the_same_data_dir_reuses_the_first(sandbox_process, tmp_path):
    first, url = sandbox_process(tmp_path / "shared")
    second = subprocess.run([sys.executable, str(ROOT / "launcher.py"), "--headless", "--data-dir",
                             str(tmp_path / "shared")], capture_output=True, text=True, timeout=20)
    assert second.returncode == 0
    assert "already running" in second.stdout
    assert url in second.stdout
    assert first.poll() is None


def test_a_stale_lock_is_detected(sandbox_process, tmp_path):
    data = tmp_path / "stale"
    data.mkdir()
    (data / "sandbox.lock").write_text('{"port": 1, "token": "old", "pid": 999999}')
    proc, url = sandbox_process(data)
    assert "token=old" not in url


def test_lock_file_is_private(sandbox_process, tmp_path):
    sandbox_process(tmp_path / "d")
    assert (tmp_path / "d" / "sandbox.lock").stat().st_mode & 0o077 == 0


def run_launcher(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "launcher.py"), *args], capture_output=True, text=True,
                          timeout=20, env=env)


def test_busy_port_is_a_clear_message(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        r = run_launcher("--headless", "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 1
    assert f"Port {port} is already in use" in r.stderr and "Traceback" not in r.stderr


def test_data_dir_that_is_a_file_is_a_clear_message(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    r = run_launcher("--headless", "--data-dir", str(target))
    assert r.returncode == 1 and "is a file, not a folder" in r.stderr and "Traceback" not in r.stderr


def test_unwritable_data_dir_is_a_clear_message(tmp_path):
    # /proc refuses new folders even to root, which CI runs as.
    r = run_launcher("--headless", "--data-dir", "/proc/sandbox-data")
    assert r.returncode == 1 and "cannot be written" in r.stderr and "Traceback" not in r.stderr


def test_unwritable_data_dir_under_a_file_is_a_clear_message(tmp_path):
    (tmp_path / "file").write_text("x")
    r = run_launcher("--headless", "--data-dir", str(tmp_path / "file" / "sub"))
    assert r.returncode == 1 and "cannot be written" in r.stderr and "Traceback" not in r.stderr


def test_non_loopback_host_is_refused_by_the_launcher(tmp_path):
    r = run_launcher("--headless", "--host", "0.0.0.0", "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 1 and "only listens on 127.0.0.1" in r.stderr


def test_no_display_falls_back_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "launcher.py"), "--data-dir", str(tmp_path / "d")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        while not (lines and lines[-1].startswith("Sandbox running at")):
            lines.append(proc.stdout.readline())
            assert lines[-1], "the sandbox stopped before printing its address"
        text = "".join(lines)
        assert "No window can open because there is no graphical display" in text
        assert "runs headless" in text
        assert lines[-1].startswith("Sandbox running at http://127.0.0.1:")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=5)
    assert "Traceback" not in err


def test_corrupt_database_is_kept_aside_and_the_learner_told(sandbox_process, tmp_path):
    data = tmp_path / "broken"
    data.mkdir()
    (data / "sandbox.db").write_bytes(b"garbage" * 1000)
    proc, url = sandbox_process(data)
    with open_url(url) as r:
        assert "could not be read" in r.read().decode()
    assert list(data.glob("sandbox.db.corrupt-*"))


def test_python_dash_m_and_the_console_script_agree():
    r = subprocess.run([sys.executable, "-m", "sandbox", "--help"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0 and "--headless" in r.stdout
    script = Path(sys.executable).parent / "sandbox"
    assert script.exists(), "the `sandbox` console script is not installed"
    r2 = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=20)
    assert r2.stdout == r.stdout


def test_the_built_in_course_is_installed_on_first_start(sandbox_process, tmp_path):
    proc, url = sandbox_process(tmp_path / "fresh")
    with open_url(url) as r:
        page = r.read().decode()
    assert "Build a blog with Python" in page and "0 of " in page
    assert (tmp_path / "fresh" / "packs" / "blog" / "pack.toml").exists()


def test_a_newer_built_in_course_replaces_the_installed_one_and_an_equal_one_is_kept(tmp_path, monkeypatch):
    import shutil

    from sandbox.packs import catalog as catalog_module
    from sandbox.packs.catalog import Catalog

    shipped = tmp_path / "lessons"
    shutil.copytree(ROOT / "tests" / "fixtures" / "packs" / "hello", shipped / "hello")
    monkeypatch.setattr(catalog_module, "BUILTIN_DIR", shipped)
    catalog = Catalog(tmp_path / "packs")
    assert catalog.install_builtin() == ["hello-web"]
    assert catalog.install_builtin() == []
    manifest = shipped / "hello" / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "1.0.0"', 'version = "1.2.0"'))
    assert catalog.install_builtin() == ["hello-web"]
    assert catalog.get("hello-web").version == "1.2.0"


ARENA_PROBE = """
import ctypes, sys, threading
from sandbox.launch.heap import steady_heap
applied = steady_heap() if sys.argv[1] == "on" else False
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    kept = [bytearray(1000 + i) for i in range(2000)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(applied, flush=True)
ctypes.CDLL(None).malloc_stats()
"""


def test_the_server_heap_is_held_to_two_malloc_arenas_however_many_threads_allocate():
    import platform

    need(platform.system() == "Linux" and platform.libc_ver()[0] == "glibc", "malloc arenas are glibc's")
    counts = {}
    for mode in ("off", "on"):
        done = subprocess.run([sys.executable, "-c", ARENA_PROBE, mode], cwd=ROOT, capture_output=True, text=True,
                              timeout=60, check=True)
        counts[mode] = (done.stdout.strip(), sum(line.startswith("Arena ") for line in done.stderr.splitlines()))
    assert counts["on"] == ("True", 2)
    assert counts["off"][1] > 2  # the probe does make glibc add arenas when left alone


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_idle_sandbox_uses_almost_no_cpu(sandbox_process):
    """Measured over a window of idleness: the server loop must wait, not spin (it once took a core)."""
    proc, url = sandbox_process()
    with open_url(url) as r:
        assert r.status == 200
    window = 3.0
    before, started = cpu_seconds(proc.pid), time.monotonic()
    time.sleep(window)  # the measurement window itself, not a wait for a condition
    used = cpu_seconds(proc.pid) - before
    assert used < 0.1 * (time.monotonic() - started), f"{used:.2f} s of CPU in {window} s of idleness"
