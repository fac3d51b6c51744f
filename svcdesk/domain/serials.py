"""The one rule for telling two serial numbers apart: as an engineer reads them off a device.

`serial_key` is that rule, and every place that compares serials uses it: `asset add` and
`asset edit` (one serial per site), `asset import` (a file naming one serial twice, or a serial
a site has already), sync (two replicas registering one device at one site make one asset),
every lookup of an asset by its serial, and `db check` (two live assets at one site under one
serial). The store keeps each asset's key beside its serial (`asset.serial_key`, indexed), so
the comparison is a look-up, never a scan of a site's assets.

Case does not count, nor does white space anywhere (`Q6`, `q 6` and ` q6 ` are one serial),
nor the width of a character typed through a Chinese input method (`Ｑ６` is `Q6`): the serial
is put in Unicode compatibility form (NFKC), case-folded (and put in that form again: Unicode's
compatibility caseless match), and stripped of every white-space character. Pure: no I/O.
"""

from __future__ import annotations

import unicodedata

__all__ = ["same_serial", "serial_key", "serial_problem"]


def serial_key(serial: str) -> str:
    """`serial` as it compares with other serials: NFKC, case-folded, without white space."""
    if serial.isascii():  # the common case, and the same result as below
        return "".join(serial.lower().split())
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", serial).casefold())
    return "".join(folded.split())


def same_serial(a: str, b: str) -> bool:
    """Whether two typed serials name one device's serial under the rule."""
    return serial_key(a) == serial_key(b)


def serial_problem(serial: str) -> str | None:
    """Why a typed serial cannot be stored (None: it can): it holds a control, format or other
    invisible character (a terminal escape, a tab or line break from a spreadsheet cell, a
    zero-width space), which no label on a device shows. Spaces of any width are kept."""
    for c in serial:
        if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp"):
            return (f"serial {serial!r} holds the control or invisible character "
                    f"U+{ord(c):04X}; type it as the label shows it")  # fmt: skip
    return None
