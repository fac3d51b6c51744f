"""PDF reports printed by the real headless Chromium: A4 pages, Chinese text a PDF reader can
extract (the CJK font stack found a font), and a first page that is not blank. A missing
Chromium is a skip, or a failure when SVCDESK_REQUIRE_CHROMIUM=1 (CI). Each Chromium start
costs a second or two: few tests print.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

POPPLER = ("pdfinfo", "pdftotext", "pdftoppm")


@pytest.fixture
def printer() -> str:
    """The Chromium the reports print with (and poppler to read what it printed)."""
    from svcdesk.errors import SvcdeskError
    from svcdesk.reports.pdf import find_chromium

    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    try:
        found = find_chromium()
    except SvcdeskError as exc:
        missing.append(f"chromium ({exc.message})")
    if missing:
        if os.environ.get("SVCDESK_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"PDF tests must run (SVCDESK_REQUIRE_CHROMIUM=1); missing: {missing}")
        pytest.skip(f"missing: {', '.join(missing)}")
    return found


def ok(cli, *args: str):
    r = cli(*args)
    assert r.exit_code == 0, r.stderr
    return r


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True)  # fmt: skip
    return out.stdout.decode("utf-8")


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB or gray PNG, read with zlib alone."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (0, 2), (depth, color)
    bpp = 3 if color == 2 else 1
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        if bpp == 1:
            rows.append(bytes(b for v in line for b in (v, v, v)))
        else:
            rows.append(bytes(line))
        prev = line
    return width, height, rows


def ink(path: Path) -> float:
    """The share of pixels of a page image that are not (nearly) white."""
    width, height, rows = png_pixels(path)
    dark = sum(1 for row in rows for i in range(0, len(row), 3) if min(row[i:i + 3]) < 200)
    return dark / (width * height)


def first_page_png(pdf: Path, tmp_path: Path) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    (png,) = tmp_path.glob("page*.png")
    return png


def test_the_png_reader_reads_what_it_should(tmp_path):
    """The pixel check can fail: a white image has no ink, a black one all of it."""
    def png(rgb: bytes, w: int, h: int) -> Path:
        raw = b"".join(b"\x00" + rgb * w for _ in range(h))
        def chunk(kind: bytes, body: bytes) -> bytes:
            return (struct.pack(">I", len(body)) + kind + body
                    + struct.pack(">I", zlib.crc32(kind + body)))  # fmt: skip
        path = tmp_path / f"{rgb.hex()}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8,
                         2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
        return path

    assert ink(png(b"\xff\xff\xff", 4, 3)) == 0
    assert ink(png(b"\x10\x20\x30", 4, 3)) == 1


def test_an_incident_report_prints_to_a4_with_its_chinese(cli, printer, tmp_path, monkeypatch):
    monkeypatch.setenv("SVCDESK_USER", "张敏")
    ok(cli, "init")
    ok(cli, "site", "add", "HD", "--name", "国家税务总局北京市海淀区税务局")
    ref = ok(cli, "ticket", "open", "--site", "HD", "--title", "二号大厅叫号机不出票",
             "--category", "hardware", "--at", "2026-10-13T09:00", "-f", "json").json()["ref"]
    ok(cli, "ticket", "resolve", ref, "--note", "更换打印头", "--at", "2026-10-13T10:00")
    ok(cli, "ticket", "report", ref, "--type", "硬件故障", "--cause", "打印头磨损",
       "--method", "更换打印头并测试出票", "--at", "2026-10-13T11:00")  # fmt: skip
    out = tmp_path / "out" / "incident.pdf"
    r = ok(cli, "report", "incident", ref, "-o", str(out))
    assert r.stdout == "" and str(out) in r.stderr
    info = pdf_info(out)
    assert int(info["Pages"]) >= 1
    assert "(A4)" in info["Page size"]
    text = pdf_text(out)
    for words in ("问题处理汇报", "国家税务总局北京市海淀区税务局", "二号大厅叫号机不出票",
                  "问题种类", "打印头磨损", "更换打印头并测试出票", "按时完成"):  # fmt: skip
        assert words in text, words
    assert re.search(r"1\s*/\s*\d", text)  # the page numbers of @page
    share = ink(first_page_png(out, tmp_path))
    assert 0.01 < share < 0.5, share
    assert [p.name for p in out.parent.iterdir()] == ["incident.pdf"]


def test_without_a_browser_a_pdf_is_one_line_saying_how_to_get_one(cli, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    ok(cli, "init")
    ok(cli, "site", "add", "HD", "--name", "海淀")
    ref = ok(cli, "ticket", "open", "--site", "HD", "--title", "t", "-f", "json").json()["ref"]
    out = tmp_path / "r.pdf"
    monkeypatch.setenv("SVCDESK_CHROMIUM", str(tmp_path / "no-such-chromium"))
    r = cli("report", "incident", ref, "-o", str(out))
    assert r.exit_code == 1 and "SVCDESK_CHROMIUM" in r.stderr and len(r.stderr.splitlines()) == 1
    monkeypatch.delenv("SVCDESK_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on it
    r = cli("report", "incident", ref, "-o", str(out))
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "svcdesk: error: -f pdf prints with a headless Chromium and none is installed: install "
        "one (apt install chromium), or set SVCDESK_CHROMIUM to its path")
    assert not out.exists()


def test_a_site_dossier_prints_its_tables_whole(cli, printer, tmp_path):
    ok(cli, "init")
    ok(cli, "site", "add", "HD", "--name", "国家税务总局北京市海淀区税务局", "--region", "北京")
    ok(cli, "asset", "add", "--site", "HD", "--kind", "led_screen", "--serial", "LED-2291-77",
       "--installed", "2022-05-10")  # fmt: skip
    for n in range(40):  # enough tickets for a second page: the table header repeats on it
        ok(cli, "ticket", "open", "--site", "HD", "--title", f"第{n + 1}号窗口显示器黑屏",
           "--at", f"2026-10-{1 + n % 13:02d}T10:{n:02d}")  # fmt: skip
    out = tmp_path / "site.pdf"
    ok(cli, "report", "site", "HD", "-o", str(out))
    pages = int(pdf_info(out)["Pages"])
    assert pages >= 2
    text = pdf_text(out)
    assert "服务档案" in text and "LED屏幕" in text and "不在保修范围" in text
    assert all(f"第{n}号窗口显示器黑屏" in text for n in range(1, 41))
    # the header row of the tickets' table stands on the next page too
    second = text.split("\f")[1]
    assert "服务单号" in second and "报修时间" in second
    assert ink(first_page_png(out, tmp_path)) > 0.01


def test_an_inspection_report_and_the_overdue_list_print_in_chinese(cli, printer, tmp_path):
    """The two reports the other tests leave out: every checklist item with its result, the
    fault it found and the ticket it opened; and what is overdue, as the customer reads it."""
    ok(cli, "init")
    ok(cli, "site", "add", "HD", "--name", "国家税务总局北京市海淀区税务局")
    results = tmp_path / "r.toml"
    results.write_text('servers = "ok"\n[ups]\nresult = "fault"\nfinding = "电池仅能支撑9分钟"\n',
                       encoding="utf-8")  # fmt: skip
    rec = ok(cli, "inspect", "record", "--site", "HD", "--results", str(results),
             "--signed-by", "王丽", "--open-tickets", "--at", "2026-10-13T10:00",
             "-f", "json").json()  # fmt: skip
    out = tmp_path / "inspection.pdf"
    ok(cli, "report", "inspection", rec["ref"], "-o", str(out))
    text = pdf_text(out)
    assert "(A4)" in pdf_info(out)["Page size"]
    for words in ("巡检汇报", "国家税务总局北京市海淀区税务局", "服务器", "UPS电源",
                  "电池仅能支撑9分钟", "王丽"):  # fmt: skip
        assert words in text, words
    assert ink(first_page_png(out, tmp_path)) > 0.01
    overdue = tmp_path / "overdue.pdf"
    ok(cli, "report", "overdue", "-o", str(overdue))
    text = pdf_text(overdue)
    assert "UPS电源" in text  # the ticket the fault opened is overdue on the 14th
    shot = tmp_path / "o"
    shot.mkdir()
    assert ink(first_page_png(overdue, shot)) > 0.01
