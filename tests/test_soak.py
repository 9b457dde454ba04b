"""A short soak: the scripted learner of `python -m bench soak` against the real server.

A correctness test, not a timing one: no error responses, no leaked file handles or child
processes. SANDBOX_SOAK_MINUTES sets the length (default 1); the full soak is 30 minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

MINUTES = float(os.environ.get("SANDBOX_SOAK_MINUTES", "1"))


@pytest.mark.slow
def test_a_learner_session_has_no_errors_and_leaks_nothing(tmp_path):
    need(Path("/proc/self/fd").is_dir(), "counting file handles needs Linux /proc")
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "bench", "soak", "--minutes", str(MINUTES), "--results", str(results)],
                          cwd=ROOT, capture_output=True, text=True, timeout=MINUTES * 60 + 120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    soak = json.loads(results.read_text())["soak"]
    assert soak["iterations"] > 10 and soak["server_alive"]
    assert soak["errors"] == 0, soak["error_samples"]
    assert soak["leaked_fds"] <= 0, (soak["fds_start"], soak["fds_end"])
    assert soak["leaked_children"] <= 0, (soak["children_start"], soak["children_end"])
    # Memory flat: the first seconds fill caches (about +5% here), so allow that, not a trend.
    assert soak["rss_growth_pct"] < 15, soak
    assert soak["rss_second_half_growth_pct"] < 5, soak
