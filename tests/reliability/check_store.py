"""Run the invariants on a store file in a process of its own and print them as JSON.

    python check_store.py <db>

The fault soak checks every 500 cycles while its engine keeps the store open. Reading the whole
history (every order with its fills and status history, every venue fill) costs memory in
proportion to that history, and the allocator keeps a process's high-water mark: done inside the
soak's process, the checks' own peak grew RSS by ~2 MB per check and hid what the soak measures,
the engine's memory. Here the check's memory goes with its process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from invariants import check_all, fill_ids_are_trade_ids

from moniqo_desktop.store import Store


def main(db: str) -> None:
    store = Store.open(Path(db))
    try:
        print(json.dumps({"violations": check_all(store),
                          "trade_id_findings": fill_ids_are_trade_ids(store)}))
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1])
