"""The same stages give the same answer in-process, in a fork pool and on a Dask cluster."""
import numpy as np
import pytest

from conftest import ROOT, pair_kinds, run_cli
from copytrace.engine.executors import ForkPool, InProcess
from copytrace.config import DEFAULTS
from copytrace.engine.tasks import FingerprintContext, fingerprint_task

DISGUISED = ROOT / "examples" / "disguised"


def test_fork_pool_and_in_process_fingerprints_agree():
    texts = [p.read_text(encoding="utf-8") for p in sorted(DISGUISED.iterdir())]
    tasks = [(np.arange(k, k + 1), texts[k:k + 1]) for k in range(len(texts))]
    context = FingerprintContext(frozenset(), ("lexical", "spin", "semantic"), DEFAULTS)
    local = sorted(InProcess().map(fingerprint_task, tasks, context), key=lambda b: int(b.doc_index[0]))
    pooled = sorted(ForkPool(2, 2).map(fingerprint_task, tasks, context), key=lambda b: int(b.doc_index[0]))
    assert texts and len(local) == len(pooled) == len(texts)
    for x, y in zip(local, pooled):
        assert (x.signatures == y.signatures).all()
        assert (x.exact == y.exact).all()
        assert x.langs == y.langs


def test_dask_engine_reports_the_same_pairs(tmp_path):
    pytest.importorskip("distributed")
    code, _, err = run_cli("scan", DISGUISED, "--out", tmp_path / "dask", "--engine", "dask", "--workers", "2", "-q")
    assert code == 0, err
    code, _, err = run_cli("scan", DISGUISED, "--out", tmp_path / "local", "-q")
    assert code == 0, err
    assert pair_kinds(tmp_path / "dask") == pair_kinds(tmp_path / "local")


def test_text_store_has_no_name_on_disk_and_reads_back_from_a_forked_worker(tmp_path):
    """The store's file is unlinked as it is made: a scan that is killed leaves nothing in the temp directory.
    Workers forked after sealing read it through the descriptor they inherit."""
    import os

    from copytrace.engine.store import TextStore

    store = TextStore(str(tmp_path))
    texts = ["first text", "ünïcödé \U0001F600 text", "", "x" * 100_000]
    for t in texts:
        store.append(t)
    store.seal()
    assert os.listdir(tmp_path) == []
    assert store.get_many([3, 0, 1, 2]) == [texts[3], texts[0], texts[1], texts[2]]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read back and report
        os.close(read)
        ok = store.get_many([1, 3]) == [texts[1], texts[3]]
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    store.close()
