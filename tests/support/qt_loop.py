"""The qasync loop fixture the window tests run on (imported by tests/ui and tests/remote)."""

from __future__ import annotations

import asyncio

import pytest
import qasync


@pytest.fixture
def qloop(qapp):
    # as in app.py: closing the window must not quit the loop before the engine has closed
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)
