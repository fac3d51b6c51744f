"""Reports: plain dict contexts built from what the store holds, rendered with Jinja.

A report is a name (`incident`, `inspection`, `monthly`, `overdue`, `site`, `digest`), a
context builder here (`reports/<name>.py`: plain dicts of values, datetimes in the display zone,
durations in seconds) and two templates in `templates/`: `<name>.md.j2` and `<name>.html.j2`
(which usually extends `base.html.j2`). `render.render(name, context, fmt=..., lang=...)`
renders either, always in Jinja's sandbox; a PDF is the HTML printed by headless Chromium
(`pdf.py`). Words come from the per-language label table (`labels.py`), dates and durations
from the filters of `render.py`, so a context holds data, not wording.
"""
