"""benchmarks/busy_day.py plays a few seconds of a tiny busy day on SQLite, end to end: a real `mpp serve`,
logged-in staff, polling screens, its table, no errors, and the database invariants afterwards."""
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "busy_day.py"

pytestmark = pytest.mark.slow


def test_a_tiny_busy_day_prints_its_table_without_errors_and_keeps_the_invariants():
    if not SCRIPT.exists():
        pytest.skip("benchmarks/ is not part of this installation")
    if not Path("/proc/self/stat").exists() or importlib.util.find_spec("waitress") is None:
        pytest.skip("the benchmark reads the server's CPU from /proc (Linux) and serves with waitress")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MPP_")}
    started = time.monotonic()
    # --speed 100: an officer's 200 s cycle takes 2 s, so 4 s hold calls, starts and finishes.
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--seconds", "4", "--speed", "100", "--officers", "2", "--receptionists", "1",
         "--boards", "2", "--phones", "6", "--processes", "1"],
        capture_output=True, text=True, timeout=180, env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-4000:]
    out = result.stdout

    assert "SQLite (WAL, synchronous=FULL), mpp serve" in out
    for kind in ("issue", "call next", "start", "overview", "report", "board", "status", "waiting list", "healthz"):
        row = re.search(rf"^ +{kind} +(\d+) +[\d.]+ +[\d.]+ +[\d.]+ +\S* +\S* +(\d+)(?:  .*)?$", out, re.M)
        assert row, f"no row with figures for {kind}:\n{out}"
        assert int(row.group(1)) > 0 and row.group(2) == "0", row.group(0)
    assert re.search(r"target: every staff action p99 < 100 ms: (PASS|FAIL)", out), out
    assert "no errors: PASS" in out, out
    for invariant in ("ticket numbers unique per agency/day: OK", "ticket numbers gapless per agency/day from 1: OK",
                      "no ticket called by two counters (ticket_event): OK", "one open ticket per counter: OK"):
        assert f"invariant: {invariant}" in out, out
    assert elapsed < 120, f"the tiny run took {elapsed:.0f} s"
