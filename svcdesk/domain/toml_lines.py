"""Where in a TOML text a key is: the line numbers tomllib does not give.

`Locator` finds the line of a top-level key, of the n-th `[[name]]` header and of a key inside
that table or inside a `[name]` table; `syntax_problem` turns a tomllib error into a `Problem` at
the line it names. Both scan the text only when there is a problem to report.
"""

from __future__ import annotations

import re
import tomllib

from svcdesk.domain.problems import Problem

__all__ = ["Locator", "syntax_problem"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


class Locator:
    """Line numbers of top-level keys, of `[table]` and `[[array.of.tables]]` headers, and of
    the keys inside each table, skipping the insides of multi-line strings."""

    def __init__(self, text: str) -> None:
        # (line number, text) of every line outside multi-line strings
        self.lines: list[tuple[int, str]] = []
        # index into self.lines, dotted table name, is an array table
        self.headers: list[tuple[int, str, bool]] = []
        inside: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if inside is not None:
                if line.count(inside) % 2:
                    inside = None
                continue
            m = _HEADER.match(line)
            if m is not None:
                table = ".".join(part.strip().strip("\"'") for part in m.group(2).split("."))
                self.headers.append((len(self.lines), table, m.group(1) == "[["))
            self.lines.append((number, line))
            for delimiter in ('"""', "'''"):
                if line.count(delimiter) % 2:
                    inside = delimiter
                    break

    def _find(self, key: str, start: int, stop: int) -> int | None:
        pattern = re.compile(
            rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*[=.]"
        )
        for number, line in self.lines[start:stop]:
            if pattern.match(line):
                return number
        return None

    def top(self, key: str) -> int | None:
        """The line setting top-level `key`, or the first header of a table named `key`."""
        first_header = self.headers[0][0] if self.headers else len(self.lines)
        found = self._find(key, 0, first_header)
        if found is not None:
            return found
        for index, table, _ in self.headers:
            if table.split(".")[0] == key:
                return self.lines[index][0]
        return None

    def _array_headers(self, name: str) -> list[int]:
        return [i for i, (_, table, array) in enumerate(self.headers) if array and table == name]

    def array_header(self, name: str, n: int) -> int | None:
        """The line of the n-th (1-based) `[[name]]` header."""
        headers = self._array_headers(name)
        if 0 < n <= len(headers):
            return self.lines[self.headers[headers[n - 1]][0]][0]
        return self.top(name.split(".")[0])

    def in_array(self, name: str, n: int, key: str) -> int | None:
        """The line setting `key` in the n-th `[[name]]` table (its header line if not found)."""
        headers = self._array_headers(name)
        if not 0 < n <= len(headers):
            return self.top(name.split(".")[0])
        h = headers[n - 1]
        start = self.headers[h][0]
        stop = self.headers[h + 1][0] if h + 1 < len(self.headers) else len(self.lines)
        found = self._find(key, start + 1, stop)
        if found is not None:
            return found
        for index, table, _ in self.headers[h + 1 :]:  # a sub-table [name.key] of this table
            if table == name:
                break
            if table == f"{name}.{key}":
                return self.lines[index][0]
        return self.lines[start][0]

    def in_table(self, name: str, key: str) -> int | None:
        """The line setting `key` in the `[name]` table, or the first header of a sub-table
        `[name.key]` / `[[name.key]]` (the table's line if not found)."""
        for h, (index, table, array) in enumerate(self.headers):
            if table == name and not array:
                stop = self.headers[h + 1][0] if h + 1 < len(self.headers) else len(self.lines)
                found = self._find(key, index + 1, stop)
                if found is not None:
                    return found
                break
        for index, table, _ in self.headers:
            if table == f"{name}.{key}":
                return self.lines[index][0]
        return self.top(name)


def syntax_problem(text: str, exc: tomllib.TOMLDecodeError) -> Problem:
    """A TOML syntax error as a problem at the line tomllib names."""
    message = str(exc)
    m = _TOML_POSITION.search(message)
    if m is not None:
        detail = f"{message[: m.start()]} (column {m.group(2)})"
        return Problem(int(m.group(1)), "", f"not valid TOML: {detail}")
    m = _TOML_AT_END.search(message)
    if m is not None:
        last = max(1, len(text.splitlines()))
        return Problem(last, "", f"not valid TOML: {message[: m.start()]} (at the end of the file)")
    return Problem(None, "", f"not valid TOML: {message}")
