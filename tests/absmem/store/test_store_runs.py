"""The run_links table of every store: upsert, namespaces."""

from __future__ import annotations

from absmem.store.base import RunLinkRow

from .conftest import StoreFactory


def test_a_link_is_replaced_and_kept_per_namespace(stores: StoreFactory) -> None:
    store = stores.open()
    store.put_run_link(RunLinkRow("a", "run", "rec_1", None, 1.0))
    store.put_run_link(RunLinkRow("a", "run", "rec_1", "exp_1", 2.0))
    store.put_run_link(RunLinkRow("b", "run", "rec_2", None, 3.0))
    assert store.get_run_link("a", "run") == RunLinkRow("a", "run", "rec_1", "exp_1", 2.0)
    assert store.get_run_link("b", "run") == RunLinkRow("b", "run", "rec_2", None, 3.0)
    assert store.get_run_link("c", "run") is None
    store.close()
