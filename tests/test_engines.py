"""The same stages give the same answer in-process, in a fork pool and on a Dask cluster."""
import numpy as np
import pytest

from conftest import ROOT, pair_kinds, run_cli
from copytrace.engine.executors import ForkPool, InProcess
from copytrace.engine.stages import FingerprintContext, fingerprint_task

DISGUISED = ROOT / "examples" / "disguised"


def test_fork_pool_and_in_process_fingerprints_agree():
    texts = [p.read_text(encoding="utf-8") for p in sorted(DISGUISED.iterdir())]
    tasks = [(np.arange(k, k + 1), texts[k:k + 1]) for k in range(len(texts))]
    context = FingerprintContext(frozenset(), ("lexical", "spin", "semantic"))
    local = sorted(InProcess().map(fingerprint_task, tasks, context), key=lambda b: int(b.doc_index[0]))
    pooled = sorted(ForkPool(2).map(fingerprint_task, tasks, context), key=lambda b: int(b.doc_index[0]))
    for x, y in zip(local, pooled):
        assert (x.lexical.signatures == y.lexical.signatures).all()
        assert (x.lexical.exact == y.lexical.exact).all()
        assert x.langs == y.langs


def test_dask_engine_reports_the_same_pairs(tmp_path):
    pytest.importorskip("distributed")
    code, _, err = run_cli("scan", DISGUISED, "--out", tmp_path / "dask", "--engine", "dask", "--workers", "2", "-q")
    assert code == 0, err
    code, _, err = run_cli("scan", DISGUISED, "--out", tmp_path / "local", "-q")
    assert code == 0, err
    assert pair_kinds(tmp_path / "dask") == pair_kinds(tmp_path / "local")
