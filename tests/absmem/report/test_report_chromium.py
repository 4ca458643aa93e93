"""The report in headless Chromium: its sections render, no console error, a screenshot.

Needs the Debian package ``chromium`` (``.ci/run`` installs it). Without it the tests skip,
except under CI (``CI=true``), where they fail. The screenshot is a test artifact: it is written
to ``$ABSMEM_ARTIFACTS`` when set, else to the test's tmp folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from absmem.report import SECTIONS, build_report

CONSOLE = re.compile(r":CONSOLE[:(\]]|Uncaught|console error", re.IGNORECASE)
"""A line Chromium logs (``--enable-logging=stderr``) for a page's console message or error."""


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        reason = "headless Chromium not installed (Debian package `chromium`; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    return found


def _run(page: Path, profile: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless on ``page`` with no network (every host resolves to nothing)."""
    command = [
        _chromium(), "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
        "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *flags,
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    done = subprocess.run([*command, page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def _artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ABSMEM_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_report_renders_its_sections_without_console_errors(
    learned: Path, tmp_path: Path
) -> None:
    page = build_report(learned, tmp_path / "report.html")
    done = _run(page, tmp_path / "profile", "--dump-dom")
    assert _console(done.stderr) == []
    dom = done.stdout
    for key in SECTIONS:
        assert f'id="{key}"' in dom, key
    assert dom.count("<svg") == 4
    assert 'id="lesson-1"' in dom


def test_a_screenshot_of_the_report_is_saved(learned: Path, tmp_path: Path) -> None:
    import matplotlib.image

    page = build_report(learned, tmp_path / "report.html")
    shot = _artifacts(tmp_path) / "report-chromium.png"
    shot.unlink(missing_ok=True)
    done = _run(page, tmp_path / "profile", "--window-size=1280,2000", f"--screenshot={shot}")
    assert _console(done.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
    pixels = np.asarray(matplotlib.image.imread(shot))
    assert pixels.shape[:2] == (2000, 1280)
    assert float(pixels[..., :3].std()) > 0.05, "a blank screenshot"


def test_the_console_check_sees_a_page_error(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><section id="a">x</section>'
                    "<script>console.error('boom'); missing();</script></body></html>")  # fmt: skip
    done = _run(page, tmp_path / "profile", "--dump-dom")
    found = _console(done.stderr)
    assert any("boom" in line for line in found)
    assert any("Uncaught ReferenceError" in line for line in found)
