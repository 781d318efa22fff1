"""The benchmarks still run: benchmarks/history.py at a tiny size, as a subprocess, prints a row per
hot path and no traceback (a measurement script nobody runs in CI rots silently)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_history_benchmark_prints_a_row_per_hot_path():
    env = {name: value for name, value in os.environ.items() if not name.startswith("MPP_")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "history.py"), "--tickets", "2000", "--repeat", "5", "--today", "40",
         "--years", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output, output
    rows = {line.split("  ")[0].strip(): line for line in result.stdout.splitlines()}
    for path in ("healthz", "issue", "call next", "overview", "waiting", "board", "board 304", "status poll",
                 "status page"):
        assert path in rows, f"no row for {path}:\n{result.stdout}"
        assert "UNEXPECTED" not in rows[path], rows[path]
    assert "history generated in" in result.stdout
    assert "2,000 past tickets" in result.stdout
    assert "target: <= 1.2x with history; write paths <= 4x /healthz" in result.stdout
