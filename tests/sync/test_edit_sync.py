"""`ticket edit` syncs per field: two laptops editing one field concurrently is a conflict that
`sync conflicts` lists and `sync keep` settles, never a silent loss; edits of different fields
both stand; every replica derives the same clocks from the merged fields, and its timeline holds
every edit."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import replicas, walked_status

from svcdesk.services import sites, sync, tickets
from svcdesk.store import tickets as ticket_store
from svcdesk.store.db import Database


def shared_ticket(dbs: list[Database]) -> str:
    sites.add_site(dbs[0], code="BJ-HD", name="Haidian")
    sites.add_site(dbs[0], code="SH-PD", name="Pudong")
    ref = tickets.open_ticket(dbs[0], site="BJ-HD", title="Queue machine prints blank tickets",
                              category="hardware", at="2026-10-14T09:00")["ref"]  # fmt: skip
    for other in dbs[1:]:
        sync.sync(dbs[0], str(other.path))
    return ref


def derived(db: Database, ref: str) -> tuple:
    with db.read() as conn:
        ticket = ticket_store.find(conn, ref, replica_code=db.replica_code)
        row = ticket_store.derived(conn, ticket.id)
    return (row.clocks, row.next_due_at, row.view, row.due_view, row.policy_id)


def conflicts(db: Database) -> list[tuple[str, object, object]]:
    return sorted((c["field"], c["kept"], c["lost"]) for c in sync.conflicts(db))


def test_concurrent_reclassifications_are_listed_and_keep_settles_them(tmp_path):
    a, b = replicas(tmp_path, 2)
    ref = shared_ticket([a, b])
    tickets.edit_ticket(a, ref, severity="major", at="2026-10-14T09:20")
    tickets.edit_ticket(b, ref, severity="minor", category="software", at="2026-10-14T09:25")
    sync.sync(a, str(b.path))
    shown = [tickets.show_ticket(db, ref) for db in (a, b)]
    assert shown[0]["severity"] == shown[1]["severity"] == "minor"  # the newer write
    assert shown[0]["category"] == "software"  # no one else wrote it
    assert conflicts(a) == conflicts(b) == [("severity", "minor", "major")]
    assert derived(a, ref) == derived(b, ref)  # the same clocks from the same fields
    for rec in shown:  # both edits are in every timeline, each saying what it did
        edits = [e["details"]["changes"] for e in rec["events"] if e["kind"] == "edited"]
        assert {"from": "normal", "to": "major"} in [e.get("severity") for e in edits]
        assert {"from": "normal", "to": "minor"} in [e.get("severity") for e in edits]
    lost = next(c for c in sync.conflicts(a) if c["field"] == "severity")["lost_stamp"]
    sync.keep(a, lost)
    sync.sync(a, str(b.path))
    for db in (a, b):
        rec = tickets.show_ticket(db, ref)
        assert (rec["severity"], rec["category"]) == ("major", "software")
        assert {c["name"] for c in rec["clocks"]} == {"respond", "restore"}  # a major fault's
        assert conflicts(db) == []
    assert derived(a, ref) == derived(b, ref)


def test_edits_of_different_fields_both_stand(tmp_path):
    a, b = replicas(tmp_path, 2)
    ref = shared_ticket([a, b])
    tickets.edit_ticket(a, ref, title="Hall screens dark")
    tickets.edit_ticket(b, ref, site="SH-PD", reporter="Ms Wang")
    sync.sync(b, str(a.path))
    for db in (a, b):
        rec = tickets.show_ticket(db, ref)
        assert (rec["title"], rec["site"], rec["reporter"]) == (
            "Hall screens dark", "SH-PD", "Ms Wang"
        )  # fmt: skip
        assert conflicts(db) == []
    assert derived(a, ref) == derived(b, ref)


def test_an_edit_made_after_seeing_the_other_is_no_conflict(tmp_path):
    a, b = replicas(tmp_path, 2)
    ref = shared_ticket([a, b])
    tickets.edit_ticket(a, ref, title="first")
    sync.sync(a, str(b.path))
    tickets.edit_ticket(b, ref, title="second")
    sync.sync(b, str(a.path))
    assert conflicts(a) == conflicts(b) == []
    assert tickets.show_ticket(a, ref)["title"] == "second"


def test_an_edit_and_a_concurrent_lifecycle_event_both_land(tmp_path):
    a, b = replicas(tmp_path, 2)
    ref = shared_ticket([a, b])
    tickets.edit_ticket(a, ref, severity="major", at="2026-10-14T09:30")
    tickets.resolve_ticket(b, ref, note="fixed", at="2026-10-14T09:40")
    sync.sync(a, str(b.path))
    for db in (a, b):
        rec = tickets.show_ticket(db, ref)
        assert rec["status"] == "resolved" == walked_status(rec)
        assert rec["severity"] == "major"
        assert [e["kind"] for e in rec["events"]] == ["opened", "edited", "resolved"]
    assert derived(a, ref) == derived(b, ref)


# --------------------------------------------------------------------------------------------
# The invariant, against an oracle that knows only who had seen what


@dataclass
class Oracle:
    n: int
    writes: list[tuple[str, str, frozenset[int]]] = field(default_factory=list)
    held: list[set[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.held = [set() for _ in range(self.n)]

    def write(self, who: int, fld: str, value: str) -> None:
        self.writes.append((fld, value, frozenset(self.held[who])))
        self.held[who].add(len(self.writes) - 1)

    def meet(self, a: int, b: int) -> None:
        both = self.held[a] | self.held[b]
        self.held[a], self.held[b] = set(both), set(both)

    def standing(self, fld: str) -> set[str]:
        """The values of the writes to `fld` that no later writer of it had seen."""
        mine = [i for i, w in enumerate(self.writes) if w[0] == fld]
        return {self.writes[i][1] for i in mine
                if not any(i in self.writes[j][2] for j in mine if j != i)}  # fmt: skip


script = st.lists(
    st.tuples(
        st.sampled_from(["title", "reporter", "sync"]), st.integers(0, 1), st.integers(0, 1)
    ),  # fmt: skip
    min_size=2,
    max_size=10,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=script)
def test_every_edit_is_current_overwritten_knowingly_or_listed(tmp_path_factory, script):
    dbs = replicas(tmp_path_factory.mktemp("edits"), 2)
    ref = shared_ticket(dbs)
    oracle = Oracle(2)
    try:
        for n, (action, who, other) in enumerate(script):
            if action == "sync":
                if who != other:
                    sync.sync(dbs[who], str(dbs[other].path))
                    oracle.meet(who, other)
                continue
            value = f"{action} {n}"
            tickets.edit_ticket(dbs[who], ref, **{action: value})
            oracle.write(who, action, value)
        sync.sync(dbs[0], str(dbs[1].path))
        oracle.meet(0, 1)
        shown = tickets.show_ticket(dbs[0], ref)
        found = sync.conflicts(dbs[0])
        for db in dbs[1:]:
            assert sync.conflicts(db) == found
            assert tickets.show_ticket(db, ref)["events"] == shown["events"]
            assert derived(db, ref) == derived(dbs[0], ref)
        for fld in ("title", "reporter"):
            values = oracle.standing(fld)
            lost = {c["lost"] for c in found if c["field"] == fld}
            if values:
                assert shown[fld] in values
                assert lost == values - {shown[fld]}
            else:
                assert lost == set()
        edited = [e for e in shown["events"] if e["kind"] == "edited"]
        assert len(edited) == len(oracle.writes)  # every edit is in the timeline
    finally:
        for db in dbs:
            db.close()
