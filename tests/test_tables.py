"""The README's and the lessons' result tables are what benchmarks/all.sh measured, not hand edits.

benchmarks/tables.py renders each marked table from benchmarks/results/*.json (written by one run
of all.sh); here it must find every table already equal to its rendering, and a changed number
must be caught.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ROOT / "benchmarks" / "tables.py"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(TABLES), *args], cwd=cwd, capture_output=True, text=True)


def test_every_marked_table_equals_its_rendering():
    r = run("--check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_one_run_wrote_every_results_file():
    files = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    dates = {json.loads(f.read_text())["measured"]["date"] for f in files}
    assert files and len(dates) == 1, (files, dates)


def test_a_changed_number_is_caught(tmp_path):
    results = tmp_path / "results"
    shutil.copytree(ROOT / "benchmarks" / "results", results)
    data = json.loads((results / "tokenizer.json").read_text())
    data["time_ratio"] += 0.5
    (results / "tokenizer.json").write_text(json.dumps(data))
    r = run("--check", "--results", str(results))
    assert r.returncode != 0 and "README.md" in r.stderr


def test_a_quoted_number_must_be_measured():
    import importlib.util

    spec = importlib.util.spec_from_file_location("tables", TABLES)
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    results = ROOT / "benchmarks" / "results"
    measured = sorted(tables.measured_numbers(json.loads((results / "vectors.json").read_text())))[-1]
    text = f"<!-- numbers from: vectors -->\nWS353 {measured}, then 9.876\n<!-- end numbers -->\n"
    assert tables.unmeasured(text, results) == ["9.876 (vectors)"]
