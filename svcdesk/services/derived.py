"""The one writer of derived ticket state, and the one reader of its stored formats.

What a ticket's events and fields imply is computed here and nowhere else: which policy version
it follows, its SLA clocks (`domain.sla`), its earliest running deadline and the clock due then,
and the renderings that make long lists fast (the ticket's JSON, its running clocks' `sla overdue`
records and its `sla board` record, with holes for what depends on now; its CSV line).
`refresh` runs before every write transaction commits that touched a ticket, its events, a
policy version or its site (the store calls it: `Database.derive`), so local commands, sync,
`sync keep`, `sla policy load` and `sla recompute` store the same thing.

A ticket on a channel the policy's `[update]` names (email, web) also has an update clock, and
waiting for the customer's consent pauses its resolution clocks if the policy says so: both
follow the ticket's fields and events as they stand, like its class.

A ticket's class is its severity and category as they stand: `ticket edit` changing them (or
an upgrade's due date) makes the clocks follow the new class from the report, because the
class says what the fault is and the promise began when it was reported. So the clocks stay a
function of the replicated fields and events, whatever order edits and syncs came in.

What is stored depends only on the replicated data: renderings use the time zone of the ticket's
policy, never the writer's `--tz`, so replicas holding the same operations hold identical rows.
A reader in another display zone skips the renderings and builds records from the clocks.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from svcdesk import clock, csvtext
from svcdesk.domain import sla
from svcdesk.domain import tickets as lifecycle
from svcdesk.services import policies
from svcdesk.services.formats import DERIVED_FORMAT, DERIVED_FORMAT_KEY
from svcdesk.services.holiday_cache import cached_holidays
from svcdesk.services.records import Local, ticket_record
from svcdesk.store import assets as asset_store
from svcdesk.store import meta as meta_store
from svcdesk.store import policies as policy_store
from svcdesk.store import sites as site_store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.schema import TicketDerivedRow, TicketRow
from svcdesk.store.sql import Conn

if TYPE_CHECKING:
    from svcdesk.domain.policy import Policy
    from svcdesk.store.db import Database, Tx

# What the stored formats are; a database that holds another is derived again when opened.
FORMAT, FORMAT_KEY = DERIVED_FORMAT, DERIVED_FORMAT_KEY

_STATE, _LEFT = "\x00S", "\x00L"  # sentinels for the time-dependent fields of running clocks


# --------------------------------------------------------------------------------------------
# Computing


def compute_clocks(policy: Policy, *, severity: str, category: str, opened_at: int,
                   due_at: int | None, site_tz: str | None,
                   events: Sequence[sla.Event] | Sequence[ticket_store.EventTime],
                   channel: str | None = None) -> list[sla.Clock]:  # fmt: skip
    """A ticket's clocks under `policy`: its class's rules (and the update clock when its
    `channel` is one the policy replies on every day), on its site's calendar."""
    rules = (policy.clock_rules(severity, category, channel) if channel is not None
             else policy.class_for(severity, category).clocks)  # fmt: skip
    return sla.compute(rules, sla.Facts(opened_at, due_at), events,  # type: ignore[arg-type]
                       lambda basis: policy.calendar(basis, site_tz),
                       consent_pauses=policy.consent.pause_resolution)  # fmt: skip


class Deriver:
    """Derived state for many tickets at once (a command, a sync, a recompute)."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.sites = {s.id: s for s in site_store.all_sites(conn)}
        stored = {v.id: v for v in policy_store.versions(conn)}
        stored.setdefault(policies.default_row().id, policies.default_row())
        self.versions = sorted(stored.values(), key=lambda v: (v.effective_at, v.loaded_at, v.id))
        self.starts = [v.effective_at for v in self.versions]
        self.asset_refs: dict[str, str] = {}
        # ticket id -> its opened_at and CSV line, as `write_derived` takes them
        self.csv: dict[str, tuple[int, ticket_store.CsvLineRow | None]] = {}
        # a rebuild with every line stored renders a closed ticket's only if it changed
        self.closed_lines = True
        self.deferred: dict[str, tuple[TicketRow, str, str | None, str, Local]] = {}

    def take_csv(self, only: Iterable[str] | None = None
                 ) -> dict[str, tuple[int, ticket_store.CsvLineRow | None]]:  # fmt: skip
        """The CSV lines derived since the last call (`only`: of these tickets, a deferred
        closed ticket's rendered now)."""
        lines, self.csv = self.csv, {}
        deferred, self.deferred = self.deferred, {}
        if only is None:
            return lines
        out = {}
        for i in only:
            if i in lines:
                out[i] = lines[i]
            elif i in deferred:
                ticket, code, asset_ref, encoded, local = deferred[i]
                out[i] = (ticket.opened_at,
                          _render(ticket, code, asset_ref, encoded, local, views=False)[3])
        return out

    def policy_of(self, opened_at: int) -> tuple[str, Policy, str]:
        """(version id, policy, its zone) in force when a ticket was opened."""
        version = self.versions[max(0, bisect.bisect_right(self.starts, opened_at) - 1)]
        return version.id, policies.parse(version.source), version.timezone

    def derive(self, ticket: TicketRow, events: list[ticket_store.EventTime]
               ) -> tuple[TicketDerivedRow, str]:  # fmt: skip
        """A ticket's derived state, and its status: both folded from its merged timeline."""
        pid, policy, zone = self.policy_of(ticket.opened_at)
        site = self.sites[ticket.site_id]
        timeline = lifecycle.fold(events)
        if timeline.status != ticket.status:
            ticket = replace(ticket, status=timeline.status)
        # every event set aside (`formats.set_aside` reads it): few tickets have one
        contradictions = (
            orjson.dumps([list(a) for a in timeline.set_aside]).decode()
            if timeline.set_aside else None
        )
        clocks = compute_clocks(policy, severity=ticket.severity, category=ticket.category,
                                opened_at=ticket.opened_at, due_at=ticket.due_at,
                                site_tz=site.tz, events=timeline.effective,
                                channel=ticket.channel)  # fmt: skip
        encoded = orjson.dumps([tuple(c) for c in clocks]).decode()
        asset_ref = self.asset_refs.get(ticket.asset_id) if ticket.asset_id else None
        local = clock.local_times(clock.zone(zone))
        # a closed ticket keeps only its CSV line: lists of closed tickets are CSV (exports)
        # far more often than JSON
        closed = ticket.status == "closed"
        view = due_view = board_view = None
        if closed and not self.closed_lines:  # rendered if it turns out to have changed
            self.deferred[ticket.id] = (ticket, site.code, asset_ref, encoded, local)
        else:
            view, due_view, board_view, csv = _render(ticket, site.code, asset_ref, encoded,
                                                      local, views=not closed)  # fmt: skip
            self.csv[ticket.id] = (ticket.opened_at, csv)
        row = TicketDerivedRow(id=ticket.id, policy_id=pid, clocks=encoded,
                               next_due_at=sla.next_due(clocks), view=view,
                               due_view=due_view, contradictions=contradictions,
                               next_clock=sla.next_clock(clocks),
                               board_view=board_view)  # fmt: skip
        return row, timeline.status

    def derive_many(self, tickets: list[TicketRow],
                    events_of: Callable[[str], list[ticket_store.EventTime]]
                    ) -> list[tuple[TicketDerivedRow, str]]:  # fmt: skip
        wanted = {t.asset_id for t in tickets if t.asset_id} - self.asset_refs.keys()
        if wanted:
            self.asset_refs.update(asset_store.refs_of(self.conn, wanted))
        return [self.derive(t, events_of(t.id)) for t in tickets]


def class_name(conn: Conn, ticket: TicketRow) -> str:
    """The name of the policy class a ticket's clocks follow (the policy version in force when
    it was opened, the first class matching its severity and category): what `ticket edit`
    names when a change of class changes its clocks. Reads; the clocks are `refresh`'s."""
    _, policy, _ = Deriver(conn).policy_of(ticket.opened_at)
    return policy.class_for(ticket.severity, ticket.category).name


def refresh(tx: Tx) -> None:
    """Derive again what the transaction touched (installed as `Database.derive`): tickets'
    clocks, views and CSV lines, and the search index of the articles written."""
    conn = tx.conn
    if tx.dirty_articles:  # the search index, from the articles as they now are
        from svcdesk.store import kb as kb_store

        kb_store.reindex(conn, sorted(tx.dirty_articles))
        tx.dirty_articles.clear()
    ids = set(tx.dirty_tickets)
    if tx.dirty_sites:
        ids.update(ticket_store.ids_at_sites(conn, tx.dirty_sites))
    if tx.policy_since is not None:
        ids.update(ticket_store.ids_opened_since(conn, tx.policy_since))
    tx.dirty_tickets.clear()
    tx.dirty_sites.clear()
    tx.policy_since = None
    if not ids:
        return
    work = Deriver(conn)
    wanted = sorted(ids)
    with cached_holidays(conn):
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            tickets = ticket_store.by_ids(conn, chunk)
            events = ticket_store.event_times(conn, chunk)
            rows = work.derive_many(tickets, lambda tid, ev=events: ev.get(tid, []))  # type: ignore[misc]
            moved = {t.id: s for t, (_, s) in zip(tickets, rows, strict=True) if s != t.status}
            ticket_store.write_derived(conn, [r for r, _ in rows], moved, work.take_csv())


def install(db: Database) -> Database:
    """Make this module the writer of `db`'s derived state; derive everything again if the
    database holds another format (an older svcdesk wrote it)."""
    db.derive = refresh
    if db.meta.get(FORMAT_KEY) != FORMAT:
        rebuild(db)
    return db


def rebuild(db: Database, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Derive every ticket again; `changed` counts those whose stored state was not current."""
    with db.write() as tx:
        conn = tx.conn
        policies.ensure_default(conn)
        work = Deriver(conn)
        total = ticket_store.count(conn)
        every_line = ticket_store.csv_count(conn) != total
        work.closed_lines = every_line
        reader = db.reader()
        done = changed = 0
        try:
            with cached_holidays(conn):
                events = ticket_store.all_event_times(reader)
                pending: list[Any] = list(next(events, (None, [])))

                def events_of(tid: str) -> list[ticket_store.EventTime]:
                    while pending[0] is not None and pending[0] < tid:
                        pending[:] = next(events, (None, []))
                    return pending[1] if pending[0] == tid else []

                for batch in ticket_store.all_with_derived(reader):
                    fresh = work.derive_many([t for t, _ in batch], events_of)
                    stale, moved = [], {}
                    for (new, status), (t, old) in zip(fresh, batch, strict=True):
                        if new != old or status != t.status:
                            stale.append(new)
                        if status != t.status:
                            moved[t.id] = status
                    # the CSV lines of what changed (every ticket's when some are missing: a
                    # new table, a database derived before they were stored)
                    lines = work.take_csv(None if every_line else [r.id for r in stale])
                    ticket_store.write_derived(conn, stale, moved, lines)
                    changed += len(stale)
                    done += len(batch)
                    if progress:
                        progress(done, total)
        finally:
            reader.close()
        meta_store.put(conn, {FORMAT_KEY: FORMAT})
        db.meta[FORMAT_KEY] = FORMAT
    return {"tickets": done, "changed": changed}


# --------------------------------------------------------------------------------------------
# The stored formats, read


def clock_records(ticket_ref: str, clocks_json: str | None, now: int, local: Local, *,
                  detail: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """The clocks of a ticket in the JSON shape of CLI.md: `ticket, name, due_at, state,
    met_at, seconds_left` and `late` (met after its deadline); with `detail` (sla status) also
    `started_at, target, basis, rule`. Built for speed: a list shows one per open ticket."""
    out = []
    for values in orjson.loads(clocks_json or "[]"):
        name, started, due, met, remaining, target, basis, rule = values
        if met is not None:
            state, left, late = "met", None, due is not None and met > due
        elif due is None:
            state, left, late = "paused", remaining, False
        else:
            state, left, late = ("breached" if due < now else "running"), due - now, False
        rec = {
            "ticket": ticket_ref,
            "name": name,
            "due_at": local(due) if due is not None else None,
            "state": state,
            "met_at": local(met) if met is not None else None,
            "seconds_left": left,
            "late": late,
        }
        if detail:
            rec.update(started_at=local(started), target=target, basis=basis, rule=rule)
        out.append(rec)
    return out


def clocks_text(ticket_ref: str, clocks_json: str | None, now: int,
                iso: Callable[[int], str]) -> str:  # fmt: skip
    """The JSON text of `clock_records(ticket_ref, clocks_json, now, local)`, byte for byte as
    orjson writes it, built as text (a board in JSON or CSV writes one per open ticket); `iso`
    is `iso_texts` of `local`'s zone."""
    ref = orjson.dumps(ticket_ref).decode()
    out = []
    for name, _, due, met, remaining, *_ in orjson.loads(clocks_json or "[]"):
        quoted = _NAMES.get(name) or _name(name)
        if met is not None:
            late = "true" if due is not None and met > due else "false"
            state, left, met_at = '"met"', "null", iso(met)
        elif due is None:
            state, left, met_at, late = '"paused"', _number(remaining), "null", "false"
        else:
            state = '"breached"' if due < now else '"running"'
            left, met_at, late = str(due - now), "null", "false"
        due_at = "null" if due is None else iso(due)
        out.append(f'{{"ticket":{ref},"name":{quoted},"due_at":{due_at},"state":{state},'
                   f'"met_at":{met_at},"seconds_left":{left},"late":{late}}}')  # fmt: skip
    return "[" + ",".join(out) + "]"


_NAMES: dict[str, str] = {}  # a clock's name -> its JSON text


def _name(name: Any) -> str:
    text = orjson.dumps(name).decode()
    if isinstance(name, str) and len(_NAMES) < 1000:
        _NAMES[name] = text
    return text


def _number(value: Any) -> str:
    return "null" if value is None else orjson.dumps(value).decode()


def iso_texts(tz: Any) -> Callable[[int], str]:
    """Epoch seconds -> the quoted ISO 8601 text of `local_times(tz)(ts)`, as orjson writes it."""
    text = clock.local_isoformat(tz)

    def iso(ts: int) -> str:
        return '"' + text(ts) + '"'

    return iso


def running_clocks(clocks_json: str | None) -> Iterator[tuple[str, int]]:
    """(name, due) of each clock still running with a deadline."""
    for name, _, due, met, *_ in orjson.loads(clocks_json or "[]"):
        if met is None and due is not None:
            yield name, due


def view_fragment(view: str, zone: str, now: int) -> orjson.Fragment | None:
    """The pre-rendered ticket as of `now`, or None if it was rendered for another zone."""
    text = view_text(view, zone, now)
    return None if text is None else orjson.Fragment(text)


def view_text(view: str, zone: str, now: int) -> str | None:
    """The pre-rendered ticket's JSON as of `now`, or None if it was rendered for another zone."""
    rendered, dues, template = view.split("\n", 2)
    return _filled(rendered, dues, template, zone, now)


def csv_text(line: ticket_store.CsvLineRow, zone: str, now: int) -> str | None:
    """A stored CSV line as of `now`, or None if it was rendered for another zone."""
    return _filled(line.zone, line.dues, line.line, zone, now)


def _filled(rendered: str, dues: str, template: str, zone: str, now: int) -> str | None:
    if rendered != zone:
        return None
    if not dues:  # nothing to fill in; still a %-template ("100%" is stored as "100%%")
        return template % ()
    values: list[Any] = []
    for due in map(int, dues.split(",")):
        values += ("breached" if due < now else "running", due - now)
    return template % tuple(values)


def board_text(board_view: str, zone: str, now: int) -> str | None:
    """The ticket's pre-rendered `sla board` record (its JSON text) as of `now`, or None if it
    was rendered for another zone."""
    rendered, dues, template = board_view.split("\n", 2)
    if rendered != zone:
        return None
    if not dues:  # no clock running: nothing to fill in
        return template % ()
    first, *rest = dues.split(",")
    values: list[Any] = [int(first) - now]  # the board's own seconds left (its next clock's)
    for due in map(int, rest):
        values += ("breached" if due < now else "running", due - now)
    return template % tuple(values)


def due_fragments(due_view: str, zone: str, now: int, limit: int
                  ) -> list[tuple[int, orjson.Fragment]] | None:  # fmt: skip
    """(due, `sla overdue` record as of `now`) of each running clock due before `limit`, or None
    if they were rendered for another zone."""
    lines = due_view.split("\n")
    if lines[0] != zone:
        return None
    out = []
    for line in lines[1:]:
        text_due, template = line.split("\t", 1)
        due = int(text_due)
        if due < limit:
            state = "breached" if due < now else "running"
            out.append((due, orjson.Fragment(template % (state, due - now))))
    return out


# --------------------------------------------------------------------------------------------
# The stored formats, written


def _render(ticket: TicketRow, site_code: str, asset_ref: str | None, clocks_json: str,
            local: Local, *, views: bool = True
            ) -> tuple[str | None, str | None, str | None,
                       ticket_store.CsvLineRow]:  # fmt: skip
    """The view's lines: the zone; the deadlines DUE,DUE of the running clocks; the ticket's JSON
    exactly as `ticket_record` gives it, with `%s` for each running clock's state and `%d` for
    its seconds left. The due view's: the zone, then `DUE<TAB>JSON` per running clock, its
    `sla overdue` record likewise. The board view's: the zone; the next deadline, then the
    running clocks' (NEXT,DUE,DUE; empty when none runs); the ticket's `sla board` record as
    `services.sla.board` gives it, `%d` for its seconds left, then the clocks' placeholders.
    And its CSV line as `-f csv` writes it, with the same placeholders (stored apart, in
    `ticket_csv`). Without `views` (a closed ticket), only that line."""
    zone: str = local.zone  # type: ignore[attr-defined]
    clocks = clock_records(ticket.ref, clocks_json, 0, local)
    rec = ticket_record(ticket, site_code, asset_ref, clocks, local)
    dues, overdue = [], [zone]
    running: list[tuple[int, str]] = []  # (due, name) of the running clocks, in order
    for c, raw in zip(clocks, orjson.loads(clocks_json), strict=True):
        if c["state"] in ("running", "breached"):
            c["state"], c["seconds_left"] = _STATE, _LEFT
            dues.append(str(raw[2]))
            running.append((raw[2], raw[0]))
            if not views:
                continue
            listed = {**c, "title": ticket.title, "site": site_code, "assignee": ticket.assignee,
                      "status": ticket.status}  # fmt: skip
            overdue.append(f"{raw[2]}\t{_template(listed)}")
    line = csvtext.record_line(rec, [k for k in rec if k != "events"]).replace("%", "%%")
    line = line.replace('""\\u0000S""', '""%s""').replace('""\\u0000L""', "%d")
    csv = ticket_store.CsvLineRow(zone, ",".join(dues), line)
    if not views:
        return None, None, None, csv
    due, name = min(running, key=lambda r: r[0]) if running else (None, None)  # the first due
    board = {"ticket": ticket.ref, "title": ticket.title, "site": site_code,
             "status": ticket.status, "severity": ticket.severity, "assignee": ticket.assignee,
             "next_clock": name, "due_at": None if due is None else local(due),
             "seconds_left": None if due is None else _LEFT, "clocks": clocks}  # fmt: skip
    board_dues = "" if due is None else ",".join([str(due), *dues])
    return ("\n".join([zone, ",".join(dues), _template(rec)]), "\n".join(overdue),
            "\n".join([zone, board_dues, _template(board)]), csv)  # fmt: skip


def _template(record: dict[str, Any]) -> str:
    text = orjson.dumps(record, default=_iso).decode().replace("%", "%%")
    return text.replace('"\\u0000S"', '"%s"').replace('"\\u0000L"', "%d")


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
