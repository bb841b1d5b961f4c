"""The systemd unit the .deb ships for `moniqo-desktop serve` (instance = account)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "resources" / "packaging"
UNIT = PACKAGING / "systemd" / "moniqo-desktop-serve@.service"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",), strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_serve_unit_runs_the_account_as_a_plain_user_and_stops_with_sigterm():
    service = _unit()["Service"]
    exec_start = service["ExecStart"].split()
    assert exec_start[:4] == ["/usr/bin/moniqo-desktop", "serve", "--account", "%i"]
    assert service["User"] and service["User"] != "root"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert "2" in service["RestartPreventExitStatus"].split()  # a refusal is not retried
    assert "password" not in UNIT.read_text().lower().replace("no password", "")


def test_the_deb_installs_the_unit_and_nothing_enables_it():
    build = (PACKAGING / "build.sh").read_text()
    assert "usr/lib/systemd/system/$NAME-serve@.service" in build
    for script in ("postinst", "postrm"):
        assert "enable" not in (PACKAGING / "debian" / script).read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd not installed")
def test_systemd_accepts_the_unit(tmp_path):
    instance = tmp_path / "moniqo-desktop-serve@default.service"
    instance.write_text(UNIT.read_text())
    result = subprocess.run(["systemd-analyze", "verify", str(instance)],
                            capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines()
                if "moniqo-desktop-serve" in line and "/usr/bin/moniqo-desktop" not in line]
    assert not problems, result.stderr
