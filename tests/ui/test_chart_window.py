"""The chart in the real window on the paper exchange: history across restarts."""

from __future__ import annotations

import pytest

from chart_session import ChartSession


@pytest.fixture
def session(qloop, qtbot, tmp_path):
    s = ChartSession(qtbot, tmp_path)

    def run(scenario):
        async def main():
            await s.open()
            try:
                await scenario(s)
            finally:
                await s.close()
        qloop.run_until_complete(main())

    return run


def test_the_chart_comes_back_with_its_samples_after_a_restart(session):
    async def scenario(s):
        position_id = await s.buy(stop_loss="49000")
        for price in ("50100", "50300", "50200"):
            await s.tick(price)
        before = list(s.chart.series.column("price"))
        assert len(before) >= 4
        await s.restart()
        # the open position is charted again at start-up, without a click or a new sample
        assert s.chart.position is not None and s.chart.position.id == position_id
        assert not s.chart.is_empty()
        assert list(s.chart.series.column("price")) == before
        assert s.chart.price_curve.getData()[1][-1] == 50200.0
        assert s.chart.stop_label.toPlainText() == "stop 49,000.00"

    session(scenario)
