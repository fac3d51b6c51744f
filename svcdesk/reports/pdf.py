"""PDF: a report's HTML printed by headless Chromium, as a browser prints it on A4.

The browser is `SVCDESK_CHROMIUM` if set, else the first of chromium, chromium-browser,
google-chrome, google-chrome-stable on PATH. It runs with a throwaway profile in a temporary
folder (nothing of the user's browser is read or changed), with every host name unresolvable
(a report prints offline and fetches nothing, whatever a team's template names), and prints
without the browser's own header and footer: the page numbers are the template's (`@page`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from svcdesk.errors import SvcdeskError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120  # seconds: a report of thousands of rows prints in a few


class NoBrowser(SvcdeskError):
    """No headless Chromium to print a PDF with."""


def find_chromium() -> str:
    """The Chromium to print with, or NoBrowser saying how to get one."""
    given = os.environ.get("SVCDESK_CHROMIUM")
    if given:
        found = shutil.which(given)
        if found is None:
            raise NoBrowser(f"SVCDESK_CHROMIUM={given} is not a program that can be run; "
                            "point it at a Chromium or Chrome binary")  # fmt: skip
        return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    raise NoBrowser(
        "-f pdf prints with a headless Chromium and none is installed: install one "
        "(apt install chromium), or set SVCDESK_CHROMIUM to its path"
    )


def print_pdf(html: str, *, timeout: int = TIMEOUT) -> bytes:
    """`html` (a self-contained page) printed to PDF by headless Chromium."""
    browser = find_chromium()
    with tempfile.TemporaryDirectory(prefix="svcdesk-pdf-") as work:
        folder = Path(work)
        page = folder / "report.html"
        page.write_text(html, encoding="utf-8")
        out = folder / "report.pdf"
        env = {**os.environ, "XDG_CONFIG_HOME": str(folder / "config"),
               "XDG_CACHE_HOME": str(folder / "cache")}  # fmt: skip
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={folder / 'profile'}",
            f"--print-to-pdf={out}",
            "--no-pdf-header-footer",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env,
                                  stdin=subprocess.DEVNULL, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            raise SvcdeskError(f"Chromium ({browser}) did not print the PDF within {timeout} s; "
                               "nothing was written") from None  # fmt: skip
        except OSError as exc:
            raise SvcdeskError(f"cannot run Chromium ({browser}): {exc.strerror}") from None
        data = out.read_bytes() if out.exists() else b""
        if done.returncode != 0 or not data.startswith(b"%PDF"):
            raise SvcdeskError(f"Chromium ({browser}) could not print the PDF (exit "
                               f"{done.returncode}): {_last_line(done.stderr)}; nothing was "
                               "written")  # fmt: skip
        return data


def _last_line(stderr: bytes) -> str:
    """The browser's last line that says something (it logs D-Bus noise on most servers)."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    useful = [line for line in lines if line and "dbus" not in line.lower()]
    return (useful or ["no message"])[-1][:200]
