"""`save_marks`: a tick's write is what marking changed, one narrow UPDATE per row (#14).

The lag benchmark showed each 25-position batch of throttled marks holding the event loop for
~10 ms: a full `save` checks which rows exist, then converts and writes all 32 columns of each.
Marking changes eight (`MARK_FIELDS`). These tests count statements and columns, and check that
nothing is lost: a position the store does not have yet is still written whole."""

from __future__ import annotations

from moniqo_desktop.store import Store

from store_helpers import check_marks_round_trip


def test_save_marks_writes_the_mark_columns_in_one_update(store: Store) -> None:
    check_marks_round_trip(store)
