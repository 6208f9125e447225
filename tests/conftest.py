import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "news"
SHARED = Path(__import__("os").environ.get("COPYTRACE_SHARED", ROOT.parent / "shared"))
CHECKER = SHARED / "tools" / "check_scan_output.py"


def run_cli(*args, input_text=None):
    """Run the installed CLI the way a user does; returns (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "copytrace", *map(str, args)], capture_output=True, text=True, input=input_text
    )
    return proc.returncode, proc.stdout, proc.stderr


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def pair_kinds(out_dir):
    return {frozenset((p["a"], p["b"])): p["kind"] for p in read_jsonl(Path(out_dir) / "pairs.jsonl")}


@pytest.fixture
def examples():
    return EXAMPLES
