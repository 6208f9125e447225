"""--work-dir: a scan killed (SIGKILL) at any moment and started again with the same work folder reuses every finished
fingerprint segment and align part and writes byte for byte what an uninterrupted scan writes, on either engine; a
folder holding another run's work is refused, never mixed in."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from copytrace import dedup
from copytrace.config import ScanConfig
from copytrace.engine.workdir import KeptTexts, WorkDir, WorkDirMismatch

OUTPUTS = ("documents.jsonl", "pairs.jsonl", "clusters.jsonl")

#: a scan in small batches and chunks (many segments and parts), as a driver process the test can kill
DRIVER = """
import sys
from copytrace import ScanConfig, scan
from copytrace.config import EngineConfig
from copytrace.write.results import write_results
corpus, out, work, engine = sys.argv[1:5]
config = ScanConfig(layers=("lexical", "spin"), engine=engine, workers=2 if engine == "dask" else 1,
                    work_dir=None if work == "-" else work, sizes=EngineConfig(batch_size=2, align_chunk=2))
write_results(scan([corpus], config), out)
"""


def _corpus(path: Path, families: int = 12) -> Path:
    """Families of a story (texts of the examples with their words relabelled, one vocabulary per family): the story,
    a repost with a line added, a later version keeping half its paragraphs, and an unrelated text."""
    texts = [p.read_text(encoding="utf-8") for folder in ("disguised", "news")
             for p in sorted((ROOT / "examples" / folder).glob("*.txt"))]
    rng = random.Random(7)
    vocab = sorted({w for t in texts for w in re.findall(r"[A-Za-z]+", t)})
    docs = []
    for f in range(families):
        relabel = dict(zip(vocab, rng.sample(vocab, len(vocab))))
        story = re.sub(r"[A-Za-z]+", lambda m: relabel[m.group()], texts[f % len(texts)])
        paragraphs = story.split("\n\n")
        docs += [story, story + "\n\nShare this story with your friends.",
                 "\n\n".join(paragraphs[:max(1, len(paragraphs) // 2)]) + "\n\n" + " ".join(rng.sample(vocab, 120)),
                 " ".join(rng.sample(vocab, 150))]
    path.write_text("".join(json.dumps({"id": f"doc-{k:03d}", "text": t}) + "\n" for k, t in enumerate(docs)),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    _drive(corpus, out, None, "local").wait()
    assert all((out / name).exists() for name in OUTPUTS)
    assert len((out / "pairs.jsonl").read_text().splitlines()) >= 20  # enough pairs for several align parts
    return out


def _drive(corpus: Path, out: Path, work: Path | None, engine: str) -> subprocess.Popen:
    # its own process group: killing it kills the driver and the local Dask cluster it started
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(corpus), str(out), str(work or "-"), engine],
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _kept(work: Path, kind: str) -> dict[str, int]:
    """The finished segments or parts in a work folder, each with its inode (a file written again gets another)."""
    folder, prefix = (work / "segments", "seg-") if kind == "segments" else (work / "pairs", "part-")
    return {p.name: p.stat().st_ino for p in folder.iterdir() if p.name.startswith(prefix)} if folder.exists() else {}


def _kill_when(proc: subprocess.Popen, work: Path, kind: str, at_least: int) -> dict[str, int]:
    """SIGKILL the driver (and its process group) once the work folder holds at_least finished segments or parts;
    what it held then."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        held = _kept(work, kind)
        if len(held) >= at_least:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return held
        assert proc.poll() is None, f"the scan ended before {at_least} {kind} were kept: {proc.stderr.read()}"
        time.sleep(0.002)
    raise AssertionError("the scan never got there")


def _same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("kind, at_least", [("segments", 1), ("segments", 9), ("parts", 3)])
def test_a_scan_killed_and_started_again_reuses_its_work_and_writes_the_same_output(
    corpus, uninterrupted, tmp_path, kind, at_least
):
    work, out = tmp_path / "work", tmp_path / "out"
    held = _kill_when(_drive(corpus, out, work, "local"), work, kind, at_least)
    assert not out.exists()  # killed before writing anything
    before = {**_kept(work, "segments"), **_kept(work, "parts")}
    resumed = _drive(corpus, out, work, "local")
    _, err = resumed.communicate()
    assert resumed.returncode == 0, err
    assert "resumed from" in err
    after = {**_kept(work, "segments"), **_kept(work, "parts")}
    assert all(after[name] == ino for name, ino in before.items())  # every finished piece reused, none rewritten
    assert set(held) <= set(after)
    _same_outputs(out, uninterrupted)


def test_a_finished_work_folder_gives_the_same_output_again_without_redoing_anything(corpus, uninterrupted, tmp_path):
    work = tmp_path / "work"
    first = _drive(corpus, tmp_path / "first", work, "local")
    assert first.wait() == 0
    kept = {**_kept(work, "segments"), **_kept(work, "parts")}
    again = _drive(corpus, tmp_path / "again", work, "local")
    _, err = again.communicate()
    assert again.returncode == 0
    assert f"{len(_kept(work, 'segments'))} fingerprint segment(s)" in err
    assert {**_kept(work, "segments"), **_kept(work, "parts")} == kept
    _same_outputs(tmp_path / "first", uninterrupted)
    _same_outputs(tmp_path / "again", uninterrupted)


def test_on_dask_a_killed_driver_resumes_and_both_engines_agree(corpus, uninterrupted, tmp_path):
    """Two worker processes keep the segments in the work folder; the align tasks read their texts from them."""
    pytest.importorskip("distributed")
    work, out = tmp_path / "work", tmp_path / "out"
    _kill_when(_drive(corpus, out, work, "dask"), work, "parts", 2)
    resumed = _drive(corpus, out, work, "dask")
    _, err = resumed.communicate()
    assert resumed.returncode == 0, err
    assert "resumed from" in err
    _same_outputs(out, uninterrupted)
    plain = tmp_path / "plain"  # and without a work folder, texts carried by the tasks
    assert _drive(corpus, plain, None, "dask").wait() == 0
    _same_outputs(plain, uninterrupted)


def test_a_work_folder_of_other_settings_or_another_corpus_is_refused_and_left_as_it_was(tmp_path):
    corpus = ROOT / "examples" / "disguised"
    work = tmp_path / "work"
    code, _, err = run_cli("scan", corpus, "--out", tmp_path / "a", "--work-dir", work, "-q")
    assert code == 0, err
    kept = {p.relative_to(work): p.stat().st_mtime_ns for p in work.rglob("*")}
    code, _, err = run_cli("scan", corpus, "--out", tmp_path / "b", "--work-dir", work, "--layers", "lexical", "-q")
    assert code == 2 and "other settings (layers differ)" in err
    thresholds = tmp_path / "t.json"
    thresholds.write_text('{"classify": {"min_sentence_coverage": 0.4}}')
    code, _, err = run_cli("scan", corpus, "--out", tmp_path / "b", "--work-dir", work, "--thresholds", thresholds,
                             "-q")
    assert code == 2 and "thresholds differ" in err
    code, _, err = run_cli("scan", ROOT / "examples" / "news", "--out", tmp_path / "b", "--work-dir", work, "-q")
    assert code == 2 and "another corpus" in err
    assert not (tmp_path / "b").exists()
    assert {p.relative_to(work): p.stat().st_mtime_ns for p in work.rglob("*")} == kept
    (tmp_path / "file").write_text("x")
    code, _, err = run_cli("scan", corpus, "--out", tmp_path / "b", "--work-dir", tmp_path / "file", "-q")
    assert code == 2 and "is a file" in err


def test_two_runs_never_share_a_work_folder(tmp_path):
    holder = WorkDir(tmp_path / "work", ScanConfig())
    try:
        with pytest.raises(WorkDirMismatch, match="in use by another run"):
            WorkDir(tmp_path / "work", ScanConfig())
    finally:
        holder.close()
    WorkDir(tmp_path / "work", ScanConfig()).close()  # free again once the first run has ended


def test_kept_segments_give_back_every_text_by_corpus_number(corpus, tmp_path):
    """What Dask workers read instead of receiving texts: the work folder's segments, by document number."""
    work = tmp_path / "work"
    assert _drive(corpus, tmp_path / "out", work, "local").wait() == 0
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert KeptTexts(str(work), 2).get_many([len(texts) - 1, 0, 5, 2]) == [texts[-1], texts[0], texts[5], texts[2]]


def _workers(driver: subprocess.Popen) -> list:
    """The Dask worker processes of a driver's local cluster (spawned by its nannies)."""
    import psutil

    return [p for p in psutil.Process(driver.pid).children(recursive=True)
            if any("spawn_main" in part for part in p.cmdline())]


def test_on_dask_a_worker_killed_mid_scan_has_its_tasks_run_again_and_the_output_is_the_same(
    corpus, uninterrupted, tmp_path
):
    """SIGKILL of one of the two worker processes while fingerprint segments are being written: its nanny starts
    another, the scheduler runs the lost tasks again (a fingerprint task whose segment is kept already finds it),
    and the driver, never stopped, writes what the local engine writes."""
    pytest.importorskip("distributed")
    work, out = tmp_path / "work", tmp_path / "out"
    driver = _drive(corpus, out, work, "dask")
    try:
        deadline = time.monotonic() + 120
        while len(_kept(work, "segments")) < 2:
            assert driver.poll() is None, f"the scan ended before a worker could be killed: {driver.stderr.read()}"
            assert time.monotonic() < deadline, "the scan never kept 2 segments"
            time.sleep(0.002)
        workers = _workers(driver)
        assert len(workers) == 2
        workers[0].send_signal(signal.SIGKILL)
        killed_at = len(_kept(work, "segments"))
        _, err = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
    assert driver.returncode == 0, err
    assert killed_at < 24, "the worker was killed after the fingerprint stage"  # 48 documents, batches of 2
    assert "Restarting worker" in err  # its nanny saw it die and started another
    assert "resumed from" not in err  # one run: the cluster recovered by itself
    _same_outputs(out, uninterrupted)


#: a dedup in small batches and chunks, as a process the test can kill
DEDUP = """
import sys
from copytrace import ScanConfig, dedup
from copytrace.config import EngineConfig
corpus, out, work = sys.argv[1:4]
dedup([corpus], out, ScanConfig(layers=("lexical", "spin"), work_dir=None if work == "-" else work,
                                sizes=EngineConfig(batch_size=2, align_chunk=2)))
"""
DEDUP_OUTPUTS = ("deduped.jsonl", "deduped.jsonl.dropped.jsonl", "deduped.jsonl.skipped.jsonl")


def _dedup(corpus: Path, out: Path, work: Path | None) -> subprocess.Popen:
    out.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-c", DEDUP, str(corpus), str(out / "deduped.jsonl"), str(work or "-")],
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.fixture(scope="module")
def deduped(corpus, tmp_path_factory):
    plain = tmp_path_factory.mktemp("deduped")
    assert _dedup(corpus, plain, None).wait() == 0
    assert len((plain / "deduped.jsonl.dropped.jsonl").read_text().splitlines()) >= 12  # a repost per family at least
    return plain


@pytest.mark.parametrize("kind, at_least", [("segments", 5), ("parts", 2)])
def test_a_dedup_killed_and_run_again_with_its_work_folder_writes_what_an_uninterrupted_one_writes(
    corpus, deduped, tmp_path, kind, at_least
):
    out, work = tmp_path / "out", tmp_path / "work"
    held = _kill_when(_dedup(corpus, out, work), work, kind, at_least)
    assert not any((out / name).exists() for name in DEDUP_OUTPUTS)  # killed before writing anything
    resumed = _dedup(corpus, out, work)
    _, err = resumed.communicate()
    assert resumed.returncode == 0, err
    assert "resumed from" in err
    assert set(held) <= set(_kept(work, kind))
    for name in DEDUP_OUTPUTS:
        assert (out / name).read_bytes() == (deduped / name).read_bytes(), name


def test_dedup_takes_a_work_folder_on_the_command_line_but_not_with_an_index(tmp_path):
    corpus = ROOT / "examples" / "disguised"
    work = tmp_path / "work"
    for run in ("first", "again"):
        code, _, err = run_cli("dedup", corpus, "--out", tmp_path / run / "d.jsonl", "--work-dir", work, "-q")
        assert code == 0, err
    assert "resumed from" in err  # the second run found the first one's work
    for name in ("d.jsonl", "d.jsonl.dropped.jsonl", "d.jsonl.skipped.jsonl"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    code, _, err = run_cli("dedup", corpus, "--out", tmp_path / "b.jsonl", "--work-dir", work, "--layers", "lexical",
                           "-q")
    assert code == 2 and "other settings (layers differ)" in err
    code, _, err = run_cli("dedup", corpus, "--out", tmp_path / "c.jsonl", "--work-dir", tmp_path / "w2",
                           "--index", tmp_path / "index", "-q")
    assert code == 2 and "--work-dir" in err and "--index" in err
    assert not (tmp_path / "b.jsonl").exists() and not (tmp_path / "c.jsonl").exists()
    assert not (tmp_path / "w2").exists() and not (tmp_path / "index").exists()
    with pytest.raises(ValueError, match="without an index"):
        dedup([corpus], tmp_path / "c.jsonl", ScanConfig(work_dir=str(tmp_path / "w2")), index=tmp_path / "index")
