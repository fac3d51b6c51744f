"""The figures of the monthly service review (`report monthly`, issue 12): every one an SQL
aggregate, the same statements on SQLite and PostgreSQL.

Only the spreading of a ticket's stored clocks into rows differs between the two (`ticket.clocks`,
the JSON array services/derived.py writes: name, started, due, met, remaining, target, basis,
rule). Percentiles are ranks, ROW_NUMBER and COUNT over an ORDER BY (SQLite has no
percentile_cont): the median is the middle value (the mean of the two middle ones for an even
count), the 90th percentile the nearest rank, the ceil(0.9 n)-th value. Instants are Unix
seconds; the month is [start, end) and the review is made as of `as_of` (the month's end, or
now while the month runs).

When a clock is decided: met on time, at the instant it was met; breached, at its deadline (met
late or never). So the review of a past month stays as it was while later work is recorded,
except where the timeline itself changes (a reopening starts the resolution clocks again).

Which tickets a month can concern, found without reading every ticket's clocks (`updated_at` is
the instant of a ticket's latest event): a clock met in the month was met by an event in it
(`updated_at >= start`); one whose deadline passed in the month and was met later, likewise; one
still unmet has a running deadline before the end (`next_due_at < end`) and, unless it is an
upgrade due on the ticket's own date (`due_at` in the month), it began counting at the ticket's
latest event at the latest, so that event lies after `lookback`, the earliest instant from which
the longest target of any policy still reaches the month (`Window.lookback`, from the services).

The tickets are read once (`month`): what the month's figures need of them is kept aside and
every figure is computed from that, coming out as tagged rows (`part`, then text and number
columns) of one statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from svcdesk.store.sql import Conn, by_code_points

DURATION_CLOCKS = ("respond", "resolve", "restore")
"""The clocks whose time to be met the review gives: to respond, and to resolve (a major fault's
resolution clock is `restore`)."""

Key = tuple[str, str]
"""A working calendar: (the ticket's policy version id or '', its site's time zone or '')."""


class Spans(NamedTuple):
    """A working calendar's working time in [start, end]: its spans [a, b) in order, each with
    the working seconds from `start` to its beginning (a, b, before)."""

    start: int
    end: int
    spans: Sequence[tuple[int, int, int]]


class Window(NamedTuple):
    """The month under review: [start, end), as of `as_of` (<= end), of one site or all;
    `lookback` as the module's doc says (None: every ticket with a running deadline counts);
    `via`: how SQLite reaches the tickets (`access`)."""

    start: int
    end: int
    as_of: int
    site_id: str | None = None
    lookback: int | None = None
    via: str = "any"


def access(conn: Conn, end: int) -> str:
    """How SQLite best reaches the tickets of the month ending at `end`: through the index of
    openings when few were opened before its end (an old month), else by reading the table in
    order (a walk through an index that returns most rows is slower: each is a lookup). SQLite
    cannot tell without the statistics a plain ANALYZE does not gather; PostgreSQL can, and
    chooses itself (`any`)."""
    if conn.dialect != "sqlite":
        return "any"
    row = conn.execute(
        "SELECT (SELECT count(*) FROM ticket WHERE opened_at < :end), "
        "(SELECT count(*) FROM ticket)", {"end": end}
    ).first()
    before, total = (int(v or 0) for v in row or (0, 0))
    return "opened" if before * 2 < total else "scan"


# --------------------------------------------------------------------------------------------
# Pieces of SQL


_NULL_TEXT, _NULL_INT = "CAST(NULL AS TEXT)", "CAST(NULL AS BIGINT)"


def _params(w: Window) -> dict[str, Any]:
    params: dict[str, Any] = {"start": w.start, "end": w.end, "as_of": w.as_of}
    if w.site_id is not None:
        params["site"] = w.site_id
    if w.lookback is not None:
        params["lookback"] = w.lookback
    return params


def _site(w: Window, col: str) -> str:
    return f" AND {col} = :site" if w.site_id is not None else ""


def _opened(w: Window) -> str:
    """`t.opened_at`, or when the table is read in order (`w.via`), the same value as an
    expression, which no index answers (`+` is SQLite's way of saying so, and plain
    arithmetic on PostgreSQL)."""
    return "+t.opened_at" if w.via == "scan" else "t.opened_at"


def _effective(event: str, ticket: str) -> str:
    """Event alias `event` stands in its ticket's merged timeline: derived state does not list
    it among the events the timeline set aside (`contradictions` of ticket alias `ticket`, JSON
    `[["event id", "the one that stands instead", "why"], ...]` as services/formats.py
    `set_aside` reads it, voided events included: domain.tickets `fold` decides). An event set
    aside is the first of its list, right after a `[`; the one that stands instead follows a
    comma. Ids are hex and quoted, so the LIKE is exact; NULL for almost every ticket."""
    return (
        f"({ticket}.contradictions IS NULL "
        f"OR {ticket}.contradictions NOT LIKE '%[\"' || {event}.id || '\"%')"
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _clock_rows(conn: Conn, source: str) -> tuple[str, str]:
    """(what spreads the clocks of `source` (a ticket alias with `clocks`) into rows, the
    select list of their fields read out of the JSON: name, due_at, met_at, target, basis)."""
    fields = {"name": 0, "due_at": 2, "met_at": 3, "target": 5, "basis": 6}
    if conn.dialect == "postgresql":
        spread = f" CROSS JOIN LATERAL jsonb_array_elements({source}.clocks::jsonb) AS j(v)"
        cols = {k: f"(j.v ->> {i})" if k in ("name", "basis") else f"(j.v ->> {i})::bigint"
                for k, i in fields.items()}  # fmt: skip
    else:
        spread = f", json_each({source}.clocks) AS j"
        cols = {k: f"(j.value ->> {i})" for k, i in fields.items()}
    return spread, ", ".join(f"{expr} AS {name}" for name, expr in cols.items())


def _clock_candidate(w: Window) -> str:
    """Whether ticket `t` may have a clock decided in the month (the module's doc)."""
    unmet = "t.next_due_at < :end"
    if w.lookback is not None:
        unmet += " AND (t.updated_at >= :lookback OR (t.due_at >= :start AND t.due_at < :end))"
    return f"(t.updated_at >= :start OR ({unmet}))"


# The clocks (`clk`, from `raw`) decided in the month, and those timed: met in it, with a target.
_DECIDED = "outcome IS NOT NULL AND decided_at >= :start AND decided_at < :end"


def _timed(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    names = ", ".join(repr(n) for n in DURATION_CLOCKS)
    return (f"{a}name IN ({names}) AND {a}met_at >= :start AND {a}met_at < :end "
            f"AND {a}due_at IS NOT NULL AND {a}target IS NOT NULL")  # fmt: skip


_CLK = (
    "clk AS (SELECT *, CASE WHEN met_at IS NOT NULL AND (due_at IS NULL OR met_at <= due_at) "
    "THEN 'met' WHEN due_at < :as_of THEN 'breached' END AS outcome, "
    "CASE WHEN met_at IS NOT NULL AND (due_at IS NULL OR met_at <= due_at) THEN met_at "
    "ELSE due_at END AS decided_at FROM raw "
    "WHERE (met_at >= :start AND met_at < :end) OR (due_at >= :start AND due_at < :end))"
)
# The timed clocks with a number each and the key of the calendar they count on. The site is
# joined after the clocks are found (CROSS JOIN keeps that order on SQLite, which would
# otherwise walk every ticket through the site index).
_DUR = (
    "dur AS MATERIALIZED (SELECT ROW_NUMBER() OVER () AS rid, c.name, c.basis, c.target, "
    "c.due_at, c.met_at, COALESCE(c.policy_id, '') AS pid, COALESCE(s.tz, '') AS zone "
    f"FROM {{source}} c CROSS JOIN site s WHERE s.id = c.site_id AND {_timed('c')})"
)
# how many were timed, their median, 90th percentile and longest (from `ranked`)
_SUMMARY = (
    "max(n), avg(CASE WHEN rn = (n + 1) / 2 OR rn = (n + 2) / 2 THEN x END), "
    "max(CASE WHEN rn = (9 * n + 9) / 10 THEN x END), max(x)"
)


def _timing(params: dict[str, Any], calendars: Mapping[Key, Spans]) -> str:
    """The CTEs after `dur` that time each clock of it (`took`: its name, deadline, the instant
    it was met and the time it took `x`, NULL where its instants lie outside the working time
    given for its calendar) and rank them (`ranked`); `params` gets the calendar keys."""
    always = "dur.target + dur.met_at - dur.due_at"
    ranked = (
        "took AS (SELECT dur.name, dur.due_at, dur.met_at, {worked} AS x FROM dur{join}), "
        "ranked AS (SELECT name, x, ROW_NUMBER() OVER (PARTITION BY name ORDER BY x) AS rn, "
        "COUNT(*) OVER (PARTITION BY name) AS n FROM took WHERE x IS NOT NULL)"
    )
    keys = sorted(calendars)
    if not keys:  # no working calendar: only the clocks counted around the clock are timed
        return ", " + ranked.format(worked=f"CASE WHEN dur.basis = 'always' THEN {always} END",
                                    join="")  # fmt: skip
    rows: list[str] = []
    for k, key in enumerate(keys):
        params[f"p{k}"], params[f"z{k}"] = key
        cal = calendars[key]
        # a span of no length where the working time given starts: an instant from there on
        # has a span before it; one before, none (so it is not timed); `r`: where it ends
        rows += [f"({k}, {int(a)}, {int(b)}, {int(c)}, {int(cal.end)})"
                 for a, b, c in [(cal.start, cal.start, 0), *cal.spans]]  # fmt: skip
    # the first row names the types (PostgreSQL would make them int4, which ends in 2038)
    rows[0] = "(" + ", ".join(f"CAST({v} AS BIGINT)" for v in rows[0][1:-1].split(", ")) + ")"
    pick = " ".join(f"WHEN pid = :p{k} AND zone = :z{k} THEN {k}" for k in range(len(keys)))
    worked = f"CASE WHEN dur.basis = 'always' THEN {always} ELSE dur.target + m.d END"
    return (
        f", seg (k, s, e, c, r) AS (VALUES {', '.join(rows)}), "
        f"wd AS MATERIALIZED (SELECT rid, CASE {pick} END AS k, due_at, met_at FROM dur "
        "WHERE basis <> 'always'), "
        "pts AS (SELECT k, s AS t, 0 AS o, s, e, c, r, NULL AS rid, NULL AS side FROM seg "
        "UNION ALL SELECT k, due_at, 1, NULL, NULL, NULL, NULL, rid, 0 FROM wd "
        "WHERE k IS NOT NULL "
        "UNION ALL SELECT k, met_at, 1, NULL, NULL, NULL, NULL, rid, 1 FROM wd "
        "WHERE k IS NOT NULL), "
        "run AS (SELECT rid, side, t, max(s) OVER w AS ls, max(e) OVER w AS le, "
        "max(c) OVER w AS lc, max(r) OVER (PARTITION BY k) AS lr FROM pts "
        "WINDOW w AS (PARTITION BY k ORDER BY t, o ROWS UNBOUNDED PRECEDING)), "
        "tot AS (SELECT rid, side, CASE WHEN t <= lr THEN lc + CASE WHEN t <= ls THEN 0 "
        "WHEN t >= le THEN le - ls ELSE t - ls END END AS v FROM run WHERE rid IS NOT NULL), "
        "moved AS (SELECT rid, max(CASE WHEN side = 1 THEN v END) "
        "- max(CASE WHEN side = 0 THEN v END) AS d FROM tot GROUP BY rid), "
        + ranked.format(worked=worked, join=" LEFT JOIN moved m ON m.rid = dur.rid")
    )


# --------------------------------------------------------------------------------------------
# Tickets opened


def opened(conn: Conn, w: Window) -> list[tuple[str, str, int]]:
    """(dimension, value, tickets) of the tickets opened in the month, per category, channel and
    site (its code), as they stand now: by dimension, most first, then by value."""
    code = by_code_points(conn, "v")
    sql = (
        "WITH m AS MATERIALIZED (SELECT t.category, t.channel, t.site_id FROM ticket t "
        f"WHERE t.opened_at >= :start AND t.opened_at < :end{_site(w, 't.site_id')}) "
        "SELECT d, v, n FROM ("
        "SELECT 'category' AS d, category AS v, count(*) AS n FROM m GROUP BY category "
        "UNION ALL SELECT 'channel', channel, count(*) FROM m GROUP BY channel "
        "UNION ALL SELECT 'site', s.code, g.n FROM (SELECT site_id, count(*) AS n FROM m "
        "GROUP BY site_id) AS g JOIN site s ON s.id = g.site_id) AS x "
        f"ORDER BY d, n DESC, {code}"
    )
    return [(str(d), str(v), int(n)) for d, v, n in conn.execute(sql, _params(w)).all()]


# --------------------------------------------------------------------------------------------
# The month


class Breach(NamedTuple):
    """A clock whose deadline passed in the month before it was met: `late` wall seconds past
    it when it was met, or by `as_of` while unmet."""

    ref: str
    title: str
    site: str
    severity: str
    name: str
    due_at: int
    met_at: int | None
    late: int


class Durations(NamedTuple):
    """How long the clocks of one name met in the month took, in the business time they count
    (working time, or around the clock for urgent faults), outside the pauses that moved their
    deadline (a pause begun after a breach, or one running on past the instant a clock was met,
    is counted: the stored clocks do not tell it apart; see `durations`)."""

    name: str
    clocks: int
    median: float
    p90: int
    longest: int


class Backlog(NamedTuple):
    """Tickets neither resolved nor closed as of `as_of`: how many in each age bucket (bucket i
    holds the ages below bounds[i] and not below bounds[i-1]; the last one, the rest), how many
    in all, the median and the oldest age in seconds (None: no backlog)."""

    counts: list[int]
    total: int
    median_age: float | None
    oldest_age: int | None


class Month(NamedTuple):
    """The month's figures from one reading of the tickets.

    Tickets (each counted once) resolved, reopened and closed in the month, and those closed
    per category, channel and site code (`closed_by`: dimension, value, tickets; by
    dimension, most first). The clocks decided in the month: (name, met, breached) per clock;
    how many were breached and the first of them; the time to respond and to resolve
    (`durations`), and how many working-time clocks met in the month it leaves out because
    their deadline or the instant they were met lies outside the working time given
    (`untimed`; `outside`: the earliest and latest of those instants: `durations` with working
    time that covers them times them too). The backlog as of `as_of`."""

    resolved: int
    reopened: int
    closed: int
    closed_by: list[tuple[str, str, int]]
    outcomes: list[tuple[str, int, int]]
    breach_total: int
    breaches: list[Breach]
    durations: list[Durations]
    untimed: int
    outside: tuple[int, int] | None
    backlog: Backlog


def month(conn: Conn, w: Window, *, calendars: Mapping[Key, Spans],
          bounds: Sequence[int], limit: int | None = None) -> Month:  # fmt: skip
    """The month's figures (`Month`), the tickets read once. `calendars`: the working time of
    each calendar the clocks count on (`durations`); `bounds`: the backlog's age buckets;
    `limit`: how many breaches to list (None: all), the latest first by how late they were met
    or are, then by deadline and ticket (in the order tickets were opened)."""
    params = _params(w)
    cut = ""
    if limit is not None:
        cut, params["limit"] = " LIMIT :limit", limit
    buckets = []
    for i, bound in enumerate(bounds):
        params[f"b{i}"] = int(bound)
        buckets.append(f"WHEN age < :b{i} THEN {i}")
    bucket = f"CASE {' '.join(buckets)} ELSE {len(bounds)} END" if buckets else "0"
    spread, fields = _clock_rows(conn, "c")
    clock_candidate = _clock_candidate(w)
    in_events = "t.updated_at >= :start"
    # open or paused now and untouched since: so it was then; else its timeline tells
    in_backlog = ("t.opened_at < :as_of AND (t.status IN ('open', 'paused') "
                  "OR t.updated_at >= :as_of)")  # fmt: skip
    latest = (
        "(SELECT e.kind FROM ticket_event e WHERE e.ticket_id = c.id AND e.at < :as_of "
        f"AND e.kind IN ('resolved', 'closed', 'reopened') AND {_effective('e', 'c')} "
        "ORDER BY e.at DESC, COALESCE(e.seq, 0) DESC, e.id DESC LIMIT 1)"
    )
    n4 = f"{_NULL_INT}, {_NULL_INT}, {_NULL_INT}, {_NULL_INT}"
    t4 = f"{_NULL_TEXT}, {_NULL_TEXT}, {_NULL_TEXT}, {_NULL_TEXT}"
    sql = (
        # the tickets, read once: what each figure needs of those it may concern
        # (narrow rows: most are the backlog's; a breach's ticket is looked up once listed)
        "WITH cand AS MATERIALIZED (SELECT t.id, t.site_id, t.policy_id, t.opened_at, t.status, "
        f"t.updated_at, t.contradictions, CASE WHEN {in_events} THEN t.category END AS category, "
        f"CASE WHEN {in_events} THEN t.channel END AS channel, "
        f"CASE WHEN {clock_candidate} THEN t.clocks END AS clocks, "
        f"CASE WHEN {in_events} THEN 1 ELSE 0 END AS evented, "
        f"CASE WHEN {in_backlog} THEN 1 ELSE 0 END AS backlogged FROM ticket t "
        f"WHERE {_opened(w)} < :end{_site(w, 't.site_id')} "
        f"AND ({clock_candidate} OR {in_events} OR ({in_backlog}))), "
        # every field of a clock read out of the JSON once (written out, SQLite would parse
        # the clock again for every mention of a field: most of the work)
        "raw AS MATERIALIZED (SELECT c.id AS ticket_id, c.site_id, c.policy_id, "
        f"{fields} FROM cand c{spread} WHERE c.clocks IS NOT NULL), "
        f"{_CLK}, mc AS MATERIALIZED (SELECT * FROM clk WHERE ({_DECIDED}) OR ({_timed()})), "
        f"{_DUR.format(source='mc')}{_timing(params, calendars)}, "
        # what happened to tickets: the month's resolutions, reopenings and closings
        "ev AS MATERIALIZED (SELECT c.id, c.category, c.channel, c.site_id, "
        "max(CASE WHEN e.kind = 'resolved' THEN 1 ELSE 0 END) AS resolved, "
        "max(CASE WHEN e.kind = 'reopened' THEN 1 ELSE 0 END) AS reopened, "
        "max(CASE WHEN e.kind = 'closed' THEN 1 ELSE 0 END) AS closed "
        "FROM cand c CROSS JOIN ticket_event e WHERE c.evented = 1 AND e.ticket_id = c.id "
        "AND e.at >= :start AND e.at < :end AND e.kind IN ('resolved', 'reopened', 'closed') "
        f"AND {_effective('e', 'c')} GROUP BY c.id, c.category, c.channel, c.site_id), "
        # the backlog as of as_of
        "open_then AS (SELECT :as_of - c.opened_at AS age FROM cand c WHERE c.backlogged = 1 "
        "AND ((c.status IN ('open', 'paused') AND c.updated_at < :as_of) "
        f"OR (c.updated_at >= :as_of AND COALESCE({latest}, 'reopened') = 'reopened'))), "
        "aged AS (SELECT age, ROW_NUMBER() OVER (ORDER BY age) AS rn, COUNT(*) OVER () AS n "
        "FROM open_then) "
        # the figures, tagged
        f"SELECT 'outcome' AS part, name, {t4}, "
        "sum(CASE WHEN outcome = 'met' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN outcome = 'breached' THEN 1 ELSE 0 END), {_NULL_INT}, {_NULL_INT}, "
        f"{_NULL_INT} FROM mc WHERE {_DECIDED} GROUP BY name "
        f"UNION ALL SELECT 'duration', name, {t4}, {_SUMMARY}, {_NULL_INT} FROM ranked "
        "GROUP BY name "
        f"UNION ALL SELECT 'untimed', {_NULL_TEXT}, {t4}, count(*), "
        "min(CASE WHEN due_at < met_at THEN due_at ELSE met_at END), "
        "max(CASE WHEN due_at > met_at THEN due_at ELSE met_at END), "
        f"{_NULL_INT}, {_NULL_INT} FROM took WHERE x IS NULL "
        "UNION ALL SELECT 'breach', b.name, t.ref, t.title, s.code, t.severity, b.due_at, "
        "b.met_at, b.late, b.total, b.rn FROM (SELECT ticket_id, site_id, name, due_at, met_at, "
        "late, total, ROW_NUMBER() OVER (ORDER BY late DESC, due_at, ticket_id, name) AS rn "
        "FROM (SELECT ticket_id, site_id, name, due_at, met_at, "
        "COALESCE(met_at, :as_of) - due_at AS late, COUNT(*) OVER () AS total FROM mc "
        "WHERE outcome = 'breached' AND decided_at >= :start AND decided_at < :end) AS x "
        f"ORDER BY rn{cut}) AS b CROSS JOIN ticket t CROSS JOIN site s "
        "WHERE t.id = b.ticket_id AND s.id = b.site_id "
        f"UNION ALL SELECT 'events', {_NULL_TEXT}, {t4}, sum(resolved), sum(reopened), "
        f"sum(closed), {_NULL_INT}, {_NULL_INT} FROM ev "
        f"UNION ALL SELECT 'category', category, {t4}, count(*), {n4} FROM ev WHERE closed = 1 "
        "GROUP BY category "
        f"UNION ALL SELECT 'channel', channel, {t4}, count(*), {n4} FROM ev WHERE closed = 1 "
        "GROUP BY channel "
        f"UNION ALL SELECT 'site', s.code, {t4}, g.n, {n4} FROM (SELECT site_id, count(*) AS n "
        "FROM ev WHERE closed = 1 GROUP BY site_id) AS g JOIN site s ON s.id = g.site_id "
        f"UNION ALL SELECT 'backlog', {_NULL_TEXT}, {t4}, bk, count(*), max(n), "
        "avg(CASE WHEN rn = (n + 1) / 2 OR rn = (n + 2) / 2 THEN age END), max(age) "
        f"FROM (SELECT {bucket} AS bk, age, rn, n FROM aged) AS x GROUP BY bk"
    )
    out: dict[str, Any] = {"resolved": 0, "reopened": 0, "closed": 0, "outcomes": [],
                           "breaches": [], "durations": [], "closed_by": [],
                           "untimed": 0, "outside": None, "breach_total": 0}  # fmt: skip
    counts = [0] * (len(bounds) + 1)
    total, median, oldest = 0, None, None
    listed: list[tuple[int, Breach]] = []
    for part, name, t1, t2, t3, t4_, n1, n2, n3, n4_, n5 in conn.execute(sql, params).all():
        if part == "outcome":
            out["outcomes"].append((str(name), int(n1 or 0), int(n2 or 0)))
        elif part == "duration":
            out["durations"].append(Durations(str(name), int(n1), float(n2), int(n3), int(n4_)))
        elif part == "untimed":
            out["untimed"] = int(n1 or 0)
            if out["untimed"]:
                out["outside"] = (int(n2), int(n3))
        elif part == "breach":
            listed.append((int(n5), Breach(str(t1), str(t2), str(t3), str(t4_), str(name),
                                           int(n1), _int(n2), int(n3))))  # fmt: skip
            out["breach_total"] = int(n4_)
        elif part == "events":
            out["resolved"], out["reopened"] = int(n1 or 0), int(n2 or 0)
            out["closed"] = int(n3 or 0)
        elif part == "backlog":
            counts[int(n1)] = int(n2)
            total = int(n3)
            median = float(n4_) if n4_ is not None else median
            oldest = max(int(n5), oldest or 0)
        else:
            out["closed_by"].append((str(part), str(name), int(n1)))
    if limit == 0:  # no breach was listed to carry the count
        out["breach_total"] = breach_count(conn, w)
    out["breaches"] = [b for _, b in sorted(listed)]
    out["outcomes"].sort()
    out["durations"] = _in_order(out["durations"])
    out["closed_by"].sort(key=lambda r: (r[0], -r[2], r[1]))  # text by code point, as stored
    return Month(**out, backlog=Backlog(counts, total, median, oldest))


def breach_count(conn: Conn, w: Window) -> int:
    """How many clocks were breached in the month."""
    spread, fields = _clock_rows(conn, "t")
    sql = (
        "WITH raw AS MATERIALIZED (SELECT t.id AS ticket_id, t.site_id, t.policy_id, "
        f"{fields} FROM ticket t{spread} WHERE {_opened(w)} < :end "
        f"AND {_clock_candidate(w)}{_site(w, 't.site_id')}), {_CLK} "
        f"SELECT count(*) FROM clk WHERE {_DECIDED} AND outcome = 'breached'"
    )
    return int(conn.execute(sql, _params(w)).scalar() or 0)


def durations(conn: Conn, w: Window, calendars: Mapping[Key, Spans]) -> list[Durations]:
    """The time to respond and to resolve of the clocks met in the month (`DURATION_CLOCKS`,
    in that order): how many, the median, the 90th percentile and the longest.

    A clock's deadline lies its target of business time after its start, moved by the pauses
    begun before it was met; so the business time it took is its target plus the business time
    from its deadline to when it was met (negative when met early). Around the clock that is
    plain arithmetic; on a working calendar it is the difference of the calendar's running total
    of working seconds at the two instants, read off `calendars` (per calendar key, its working
    time over a stretch, `Spans`) by a running maximum over the spans and the instants in time
    order. A clock with an instant outside its calendar's stretch is left out
    (`Month.untimed`).
    """
    params = _params(w)
    spread, fields = _clock_rows(conn, "t")
    sql = (
        "WITH raw AS MATERIALIZED (SELECT t.id AS ticket_id, t.site_id, t.policy_id, "
        f"{fields} FROM ticket t{spread} WHERE {_opened(w)} < :end "
        f"AND {_clock_candidate(w)}{_site(w, 't.site_id')}), {_CLK}, "
        f"{_DUR.format(source='clk')}{_timing(params, calendars)} "
        f"SELECT name, {_SUMMARY} FROM ranked GROUP BY name"
    )
    rows = conn.execute(sql, params).all()
    return _in_order([Durations(str(name), int(n), float(med), int(p90), int(top))
                      for name, n, med, p90, top in rows])  # fmt: skip


def _in_order(timed: list[Durations]) -> list[Durations]:
    order = {n: i for i, n in enumerate(DURATION_CLOCKS)}
    return sorted(timed, key=lambda d: order.get(d.name, len(order)))


# --------------------------------------------------------------------------------------------
# Field work: inspections, trainings, visits and parts


def inspection_times(conn: Conn, *, since: int, until: int,
                     site_id: str | None = None) -> dict[str, list[int]]:  # fmt: skip
    """Site id -> the instants of its inspections in [since, until), in order."""
    params: dict[str, Any] = {"since": since, "until": until}
    site = ""
    if site_id is not None:
        site, params["site"] = " AND site_id = :site", site_id
    sql = (
        f"SELECT site_id, at FROM inspection WHERE at >= :since AND at < :until{site} "
        "ORDER BY site_id, at"
    )
    out: dict[str, list[int]] = {}
    for s, at in conn.execute(sql, params).all():
        out.setdefault(str(s), []).append(int(at))
    return out


class Training(NamedTuple):
    """A training held: where, when, on what, for how many, after which upgrade (its version)."""

    site: str
    at: int
    topic: str
    attendees: int
    upgrade: str | None


def trainings(conn: Conn, w: Window) -> list[Training]:
    """The trainings held in the month, oldest first."""
    sql = (
        "SELECT s.code, tr.at, tr.topic, tr.attendees, u.version FROM training tr "
        "JOIN site s ON s.id = tr.site_id LEFT JOIN upgrade u ON u.id = tr.upgrade_id "
        f"WHERE tr.at >= :start AND tr.at < :end{_site(w, 'tr.site_id')} ORDER BY tr.at, tr.id"
    )
    return [Training(str(s), int(a), str(t), int(n), _text(v))
            for s, a, t, n, v in conn.execute(sql, _params(w)).all()]  # fmt: skip


class Parts(NamedTuple):
    """The parts replaced in the visits ended in the month with one warranty coverage (free,
    paid, not_covered): how many, their cost in cents, how many had no cost recorded."""

    coverage: str
    parts: int
    cost: int
    no_cost: int


def parts(conn: Conn, w: Window) -> list[Parts]:
    """The parts replaced in the month (visits ended in it), by coverage."""
    sql = (
        "SELECT p.coverage, count(*), COALESCE(sum(p.cost), 0), "
        "sum(CASE WHEN p.cost IS NULL THEN 1 ELSE 0 END) FROM visit_part p "
        "JOIN visit v ON v.id = p.visit_id "
        f"WHERE v.ended_at >= :start AND v.ended_at < :end{_site(w, 'v.site_id')} "
        f"GROUP BY p.coverage ORDER BY {by_code_points(conn, 'p.coverage')}"
    )
    return [Parts(str(c), int(n), int(cost), int(none or 0))
            for c, n, cost, none in conn.execute(sql, _params(w)).all()]  # fmt: skip


class Visits(NamedTuple):
    """The visits of one kind ended in the month: how many, their time on site in seconds."""

    kind: str
    visits: int
    seconds: int


def visits(conn: Conn, w: Window) -> list[Visits]:
    """The visits ended in the month, by kind (repair, inspection, training, ...)."""
    sql = (
        "SELECT kind, count(*), sum(ended_at - started_at) FROM visit "
        f"WHERE ended_at >= :start AND ended_at < :end{_site(w, 'site_id')} "
        f"GROUP BY kind ORDER BY {by_code_points(conn, 'kind')}"
    )
    return [Visits(str(k), int(n), int(s or 0)) for k, n, s in conn.execute(sql, _params(w)).all()]
