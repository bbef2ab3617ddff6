"""lib.ui.core.data_version: read from the store once per script run (a page asks from
several places), again after a commit of this process and on every new run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.store import Store


def _script():
    import os

    import streamlit as st

    from lib.store import Store as S
    from lib.ui import core

    s = st.session_state.setdefault("store", S(os.environ["EIS_TEST_VERSION_DB"]))
    seen = [core.data_version(s), core.data_version(s), core.data_version(s)]
    if st.session_state.get("commit"):  # this run changes the data: the version is read again
        s.set_scope("21" if s.scope() != "21" else "20", origin="test")
    seen.append(core.data_version(s))
    st.session_state["seen"] = seen


def test_a_run_reads_the_version_once_and_again_after_its_own_commit(
    empty_store, tmp_path, monkeypatch
):
    path = empty_store.path
    empty_store.close()
    monkeypatch.setenv("EIS_TEST_VERSION_DB", path)
    reads = []
    real = Store.data_version

    def counted(self):
        reads.append(1)
        return real(self)

    monkeypatch.setattr(Store, "data_version", counted)
    at = AppTest.from_function(_script)
    at.run()
    assert not at.exception, at.exception
    assert len(reads) == 1  # four asks in one run, one query
    first = at.session_state["seen"]
    assert len(set(first)) == 1

    at.session_state["commit"] = True
    at.run()  # a new run reads it again; the run's own commit reads it once more
    assert not at.exception, at.exception
    assert len(reads) == 3
    before, *_, after = at.session_state["seen"]
    assert before == first[0] and after != before

    at.session_state["commit"] = False
    at.run()
    assert len(reads) == 4
    assert at.session_state["seen"][0] == after
    at.session_state["store"].close()


def test_the_server_skips_streamlits_full_collection_after_every_run():
    """runner.postScriptGC: gc.collect(2) after every run took 30 % of a loaded server's CPU
    (bench/load_ws.py under py-spy); Python's own collection still runs."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit/config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
