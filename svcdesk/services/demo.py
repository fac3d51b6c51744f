"""The demo data behind `svcdesk init --demo`: a dozen tax-bureau sites, their equipment, and
about four months of tickets in every state of the lifecycle.

Everything goes through the public services (sites, assets, tickets), so the demo has the same
rows, events, refs and change log as work typed in by hand. It is drawn from
`random.Random(2026)` relative to `clock.now()`: the same `--now` gives the same demo.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from svcdesk import clock
from svcdesk.errors import RuleViolation
from svcdesk.services import tickets
from svcdesk.services.assets import add_asset
from svcdesk.services.sites import add_site
from svcdesk.store.db import Database

SEED = 2026
TZ = "Asia/Shanghai"
TICKETS = 200
DAYS_BACK = 120

# --------------------------------------------------------------------------------------------
# The people and the places

ENGINEERS = ("Li Wei", "Wang Jun", "Zhang Lei", "Liu Yang", "Chen Jing", "Zhao Qiang")
FIRST_LINE = ENGINEERS[:4]
SENIORS = ENGINEERS[4:]  # who an escalation goes to

# code, name, region, contact, the engineer who looks after the site
SITES = (
    ("BJ-HD", "Beijing Haidian District Tax Bureau", "Beijing", "Sun Li, 010-6257 3318", "Li Wei"),
    (
        "BJ-CY",
        "Beijing Chaoyang District Tax Bureau",
        "Beijing",
        "Ma Hong, 010-8599 2046",
        "Li Wei",
    ),
    (
        "BJ-XC",
        "Beijing Xicheng District Tax Bureau",
        "Beijing",
        "Guo Ping, 010-6615 4420",
        "Wang Jun",
    ),
    (
        "SH-PD",
        "Shanghai Pudong New Area Tax Bureau",
        "Shanghai",
        "Xu Jie, 021-5879 6631",
        "Zhang Lei",
    ),
    (
        "SH-XH",
        "Shanghai Xuhui District Tax Bureau",
        "Shanghai",
        "Zhou Yan, 021-6487 1952",
        "Zhang Lei",
    ),
    (
        "HZ-XH",
        "Hangzhou Xihu District Tax Bureau",
        "Zhejiang",
        "Hu Min, 0571-8796 2207",
        "Zhang Lei",
    ),
    ("NJ-GL", "Nanjing Gulou District Tax Bureau", "Jiangsu", "Zhu Tao, 025-8332 0975", "Wang Jun"),
    (
        "GZ-TH",
        "Guangzhou Tianhe District Tax Bureau",
        "Guangdong",
        "Huang Na, 020-3862 7714",
        "Liu Yang",
    ),
    (
        "SZ-NS",
        "Shenzhen Nanshan District Tax Bureau",
        "Guangdong",
        "Lin Hui, 0755-2664 8803",
        "Liu Yang",
    ),
    ("WH-JA", "Wuhan Jiang'an District Tax Bureau", "Hubei", "He Gang, 027-8277 5361", "Wang Jun"),
    ("CD-WH", "Chengdu Wuhou District Tax Bureau", "Sichuan", "Luo Xiu, 028-8551 3390", "Liu Yang"),
    ("XA-YT", "Xi'an Yanta District Tax Bureau", "Shaanxi", "Gao Ming, 029-8523 6147", "Li Wei"),
)

SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Gao",
    "Lin",
    "Luo",
)
GIVEN = (
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Li",
    "Qiang",
    "Lei",
    "Jun",
    "Yan",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Xiu",
    "Hong",
    "Hui",
    "Ping",
    "Gang",
    "Na",
    "Xin",
)

# --------------------------------------------------------------------------------------------
# The equipment: model -> serial pattern (# digit, @ letter, ? letter or digit)

MODELS: dict[str, dict[str, str]] = {
    "server": {
        "Dell PowerEdge R740": "???????",
        "Dell PowerEdge R750": "???????",
        "Inspur NF5280M6": "21#########",
        "Huawei FusionServer 2288H V5": "2102312@@@##@#######",
        "Lenovo ThinkSystem SR650": "J30#####",
        "Sugon I620-G30": "SG62#########",
    },
    "monitor": {
        "Dell P2422H": "CN-0@##@@-74445-###-###@",
        "Lenovo ThinkVision T24i-20": "V90#####",
        "AOC 24B2XH": "AHX#@#A######",
        "Philips 243V7": "UK#####0######",
    },
    "dvr": {
        "Hikvision DS-7616NI-K2": "DS-7616NI-K216########CCRR@########",
        "Hikvision DS-7632NI-K2": "DS-7632NI-K232########CCRR@########",
        "Dahua DHI-NVR4216-4KS2": "6@0###@PAZ#####",
    },
    "queue_machine": {
        "SUNMI K2 queue kiosk": "K2##@#########",
        "Hisense HK-Q190 queue terminal": "HKQ19######",
        "Wintec QK-1900 queue-ticket machine": "WQK####-####",
    },
    "led_screen": {
        "Unilumin UTV1.8 indoor LED": "UTV18-######",
        "Absen A2712 Plus LED wall": "AB27######@",
        "Leyard TVF1.8 LED display": "LYTVF########",
        "Lianchengfa P4 LED caller bar": "LCF-P4-######",
    },
}

# years of warranty each kind comes with (from the installation date)
WARRANTY_YEARS = {
    "server": (3, 5),
    "monitor": (3, 3, 4),
    "dvr": (3, 4),
    "queue_machine": (3, 3, 4),
    "led_screen": (3, 4, 5),
}

_ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _serial(rng: random.Random, pattern: str) -> str:
    out = []
    for c in pattern:
        if c == "#":
            out.append(rng.choice("0123456789"))
        elif c == "@":
            out.append(rng.choice(_ALNUM[10:]))
        elif c == "?":
            out.append(rng.choice(_ALNUM))
        else:
            out.append(c)
    return "".join(out)


# --------------------------------------------------------------------------------------------
# The faults a tax-bureau service hall reports


class Fault(NamedTuple):
    title: str
    category: str
    severities: tuple[str, ...]
    kind: str | None  # the asset kind it is about, if any
    fix: str  # the resolution note and the report's method
    cause: str
    ptype: str  # the incident report's problem type
    losses: str | None = None
    role: str | None = None  # the asset's role (its notes start with this)


HW, ENV, SW, OP, OTHER = "hardware", "environment", "software", "operation", "other"
MAJ, NOR, MIN = ("major",), ("normal",), ("minor",)

FAULTS: tuple[Fault, ...] = (
    Fault(
        "Queue-ticket machine at {where} prints blank tickets",
        HW,
        ("normal", "minor"),
        "queue_machine",
        "Reloaded the paper roll the right way round, cleaned the thermal head, printed 20 "
        "test tickets",
        "Thermal paper roll loaded with the coated side away from the print head",
        "hardware: printer",
        "A hall assistant handed out numbers by hand for 30 minutes",
    ),
    Fault(
        "Queue-ticket machine at {where} jams after every few tickets",
        HW,
        NOR,
        "queue_machine",
        "Replaced the printer cutter assembly; 50 test tickets without a jam",
        "Worn cutter blade in the ticket printer",
        "hardware: printer",
    ),
    Fault(
        "Touch screen of the queue-ticket machine at {where} does not respond",
        HW,
        NOR,
        "queue_machine",
        "Recalibrated the touch panel and updated the touch controller driver",
        "Touch controller lost its calibration after a power cut",
        "hardware: touch screen",
    ),
    Fault(
        "Queue-ticket machine at {where} will not power on",
        HW,
        ("major", "normal"),
        "queue_machine",
        "Replaced the power supply board from spares; machine back in service",
        "Failed 12 V power supply board",
        "hardware failure",
        "Only one ticket machine in the hall for half a day; queues at the door",
    ),
    Fault(
        "DVR channel {ch} shows no signal",
        HW,
        ("normal", "minor"),
        "dvr",
        "Re-terminated the camera cable and replaced the BNC connector; channel {ch} records",
        "Corroded BNC connector on the camera cable above the ceiling panel",
        "hardware: cabling",
        "Channel {ch} not recorded for about a day",
    ),
    Fault(
        "DVR stopped recording: HDD status abnormal",
        HW,
        MAJ,
        "dvr",
        "Replaced the failed disk, initialised it, confirmed recording on all channels",
        "One of the DVR's 4 TB surveillance disks failed (reallocated sectors)",
        "hardware failure",
        "About 9 hours of video from channels 1-8 not recorded",
    ),
    Fault(
        "LED screen at {where} shows garbled characters",
        HW,
        ("minor", "normal"),
        "led_screen",
        "Reloaded the screen configuration into the control card, saved to flash",
        "LED control card lost its configuration after a power cut",
        "hardware: LED control",
    ),
    Fault(
        "Left half of the LED screen at {where} is dark",
        HW,
        NOR,
        "led_screen",
        "Replaced the receiving card in the left cabinet; checked all modules for dead pixels",
        "Failed receiving card",
        "hardware failure",
    ),
    Fault(
        "Monitor at {where} flickers and goes black",
        HW,
        MIN,
        "monitor",
        "Replaced the HDMI cable under the counter and secured it with cable ties",
        "Damaged HDMI cable pinched by the counter drawer",
        "hardware: cabling",
    ),
    Fault(
        "Monitor at {where} has no display",
        HW,
        NOR,
        "monitor",
        "Swapped in a spare monitor; the faulty one went back for warranty repair",
        "Monitor power board failed",
        "hardware failure",
    ),
    Fault(
        "Amber fault light on the {where}: power supply 2 failed",
        HW,
        ("normal", "major"),
        "server",
        "Replaced PSU 2 under warranty; both supplies green, no interruption",
        "Redundant power supply unit 2 failed",
        "hardware failure",
    ),
    Fault(
        "RAID degraded on the {where}: disk in slot {slot} failed",
        HW,
        MAJ,
        "server",
        "Hot-swapped the disk in slot {slot}; the RAID 5 rebuild finished in 3 hours",
        "Disk in slot {slot} failed after two weeks of predictive-failure warnings",
        "hardware failure",
    ),
    Fault(
        "{Where} rebooted unexpectedly twice this morning",
        HW,
        MAJ,
        "server",
        "Replaced the DIMM in slot B2 and ran memory diagnostics overnight",
        "Faulty memory module causing uncorrectable memory errors",
        "hardware failure",
        "Counters offline for about 20 minutes in total",
    ),
    Fault(
        "Invoice printer at window {win} prints faded text",
        HW,
        MIN,
        None,
        "Replaced the ribbon and raised the print density",
        "Printer ribbon worn out",
        "hardware: printer",
    ),
    Fault(
        "Service evaluation pad at window {win} stays dark",
        HW,
        MIN,
        None,
        "Replaced the pad's USB cable; ratings arrive in the queue system again",
        "Broken USB cable between the pad and the counter PC",
        "hardware: cabling",
    ),
    Fault(
        "Database server disk at {pct}%",
        ENV,
        ("major", "normal"),
        "server",
        "Backed up and removed old archive logs, fixed the RMAN job's credentials; disk at 61%",
        "Archived redo logs not purged: the RMAN retention job failed after a password change",
        "environment: database",
        role="database server",
    ),
    Fault(
        "Oracle listener down: counters cannot connect to the tax system",
        ENV,
        MAJ,
        "server",
        "Rotated listener.log, restarted the listener, added log rotation to cron",
        "The listener stopped once listener.log reached 4 GB",
        "environment: database",
        "All counters stopped for 50 minutes; taxpayers were asked to wait",
        role="database server",
    ),
    Fault(
        "All windows slow during the morning peak",
        ENV,
        NOR,
        "server",
        "Gathered schema statistics, rebuilt two fragmented indexes; queries back under 1 s",
        "Stale optimizer statistics after a bulk data import",
        "environment: database",
        role="database server",
    ),
    Fault(
        "Hall network down: windows cannot reach the tax system",
        ENV,
        MAJ,
        None,
        "Power-cycled the access switch, updated its firmware, scheduled weekly health checks",
        "The access switch in the hall cabinet hung after 700 days of uptime",
        "environment: network",
        "Counter service stopped for about 1.5 hours",
    ),
    Fault(
        "Application server clock {n} minutes fast: queue times are wrong",
        ENV,
        MIN,
        "server",
        "Pointed Windows Time at the bureau's NTP server and resynchronised",
        "Windows Time used an unreachable NTP server",
        "environment: operating system",
        role="application server",
    ),
    Fault(
        "UPS in the server room beeping: battery fault",
        ENV,
        NOR,
        None,
        "Replaced the battery pack; runtime test 25 minutes at the current load",
        "UPS batteries at the end of their 5-year life",
        "environment: power",
    ),
    Fault(
        "Server room air conditioner failed, temperature at {temp} C",
        ENV,
        MAJ,
        None,
        "Set up a portable cooler and shut down non-essential servers until the facilities "
        "team repaired the compressor",
        "Air conditioner compressor failed",
        "environment: server room",
        "Backup server shut down for 6 hours as a precaution",
    ),
    Fault(
        "Nightly database backup failed three nights in a row",
        ENV,
        NOR,
        "server",
        "Removed expired backup sets, set retention to 30 days; a manual backup completed",
        "Backup volume full on the backup server",
        "environment: backup",
        role="backup server",
    ),
    Fault(
        "Windows update rebooted the {where} during office hours",
        ENV,
        NOR,
        "server",
        "Disabled automatic reboots; updates now install in the monthly maintenance window",
        "Automatic updates re-enabled by the last reinstall",
        "environment: operating system",
        "Counters offline for 10 minutes",
        role="application server",
    ),
    Fault(
        "Antivirus quarantined the queue system's service program",
        ENV,
        NOR,
        None,
        "Restored the file, excluded the queue system folder, reported the false positive",
        "Antivirus signature false positive",
        "environment: operating system",
        "Ticket issuing stopped for 35 minutes",
    ),
    Fault(
        "Tax filing app crashes on invoice export",
        SW,
        NOR,
        None,
        "Installed hotfix 3.2.7.1, which truncates long remarks; export verified",
        "The export module fails on invoice remarks longer than 200 characters",
        "software defect",
    ),
    Fault(
        "VAT invoice printout misaligned at window {win}",
        SW,
        MIN,
        None,
        "Re-applied the invoice template offsets (left 3 mm, top 5 mm)",
        "Printer template offsets reset by a driver update",
        "software: configuration",
    ),
    Fault(
        "Queue system shows the wrong number of people waiting",
        SW,
        MIN,
        None,
        "Applied queue system patch 5.1.3; the waiting count matches the hall",
        "Numbers cancelled at the kiosk stayed in the waiting count (known defect)",
        "software defect",
    ),
    Fault(
        "Calling system skips numbers after A{n}",
        SW,
        NOR,
        None,
        "Reset the number sequence and repaired the midnight scheduled task",
        "The sequence was not reset at midnight because the scheduled task failed",
        "software defect",
    ),
    Fault(
        "Self-service terminal login fails: 'certificate invalid'",
        SW,
        NOR,
        None,
        "Installed the renewed root certificate on every self-service terminal",
        "The terminals' root certificate expired",
        "software: certificates",
        "Taxpayers sent to the counters for a morning",
    ),
    Fault(
        "Monthly statistics report times out",
        SW,
        MIN,
        None,
        "Added the vendor's date index; the report runs in 12 s",
        "The report scanned 3 years of queue records without an index",
        "software defect",
    ),
    Fault(
        "Appointment booking page returns HTTP 500",
        SW,
        MAJ,
        None,
        "Repaired the .NET installation and recycled the application pool",
        "The application pool crashed after a .NET runtime update",
        "software: third party",
        "Online appointments unavailable for about 3 hours",
    ),
    Fault(
        "Electronic tax client cannot upload attachments over 5 MB",
        SW,
        MIN,
        None,
        "Raised the gateway upload limit to 20 MB as agreed with the customer",
        "Upload size limit in the gateway configuration",
        "software: configuration",
    ),
    Fault(
        "Tax filing app freezes when printing the filing receipt",
        SW,
        NOR,
        None,
        "Cleared the print spooler and removed the stale printer mapping",
        "Print spooler stuck on a job for a removed printer",
        "software: operating system",
    ),
    Fault(
        "Queue system crashed: 'database connection pool exhausted'",
        SW,
        MAJ,
        None,
        "Restarted the service and applied the vendor patch that closes leaked connections",
        "Conn leak in the evaluation module",
        "software defect",
        "Ticket issuing stopped for 25 minutes",
    ),
    Fault(
        "Operator at window {win} cannot log in after a password change",
        OP,
        MIN,
        None,
        "Unlocked the account and went through the password rules with the operator",
        "Account locked after five attempts with the old password",
        "operation error",
    ),
    Fault(
        "Business type 'invoice collection' missing from the ticket menu",
        OP,
        MIN,
        None,
        "Assigned the business type to the kiosks in every hall",
        "Business type created but not assigned to the kiosks",
        "operation error",
    ),
    Fault(
        "Window {win} calls numbers from the wrong queue",
        OP,
        NOR,
        None,
        "Restored the window-to-queue mapping from last week's configuration backup",
        "Mapping changed by mistake in the admin console",
        "operation error",
        "Some taxpayers called to the wrong window for an hour",
    ),
    Fault(
        "Change the ticket header text for the holiday opening hours",
        OP,
        MIN,
        None,
        "Updated the ticket template header; the customer approved the printout",
        "Customer request",
        "operation: configuration change",
    ),
    Fault(
        "How to re-issue a number to a taxpayer who missed the call",
        OP,
        MIN,
        None,
        "Explained the recall / re-queue function; added it to the FAQ",
        "Operator not trained on the recall function",
        "operation: question",
    ),
    Fault(
        "New staff need accounts for the queue management console",
        OP,
        MIN,
        None,
        "Created 3 accounts with the operator role",
        "Customer request",
        "operation: accounts",
    ),
    Fault(
        "Customer asks for last quarter's service report",
        OTHER,
        MIN,
        None,
        "Sent the quarterly service report by email",
        "Customer request",
        "other: request",
    ),
    Fault(
        "Entrance camera moved during renovation: needs re-aiming",
        OTHER,
        MIN,
        "dvr",
        "Re-aimed the camera and adjusted the DVR's motion zone",
        "Building renovation",
        "other: request",
    ),
    Fault(
        "Check the hall equipment before the filing-season peak",
        OTHER,
        MIN,
        None,
        "Checked every kiosk, screen and the DVR; no faults found",
        "Customer request",
        "other: request",
    ),
)

UPGRADES: tuple[Fault, ...] = (
    Fault(
        "Upgrade the queue management system to v{ver}",
        SW,
        ("upgrade",),
        None,
        "Upgraded to v{ver}; regression-tested issuing and calling",
        "",
        "",
    ),
    Fault(
        "Install tax filing app update {ver} for the new digital invoice format",
        SW,
        ("upgrade",),
        None,
        "Installed update {ver} on every counter PC; test invoice issued",
        "",
        "",
    ),
    Fault(
        "Upgrade the LED screen control software for the new notice layout",
        SW,
        ("upgrade",),
        "led_screen",
        "Upgraded the control software and loaded the new layout",
        "",
        "",
    ),
    Fault(
        "Upgrade the DVR firmware to V4.{n}",
        HW,
        ("upgrade",),
        "dvr",
        "Upgraded the firmware; every channel recording, playback checked",
        "",
        "",
    ),
    Fault(
        "Apply Oracle 19.{n} release update on the database server",
        ENV,
        ("upgrade",),
        "server",
        "Applied the release update and ran datapatch; application checked",
        "",
        "",
        role="database server",
    ),
    Fault(
        "Add the 'personal income tax' business type to all kiosks",
        OP,
        ("upgrade",),
        None,
        "Added the business type, its ticket prefix and window mapping",
        "",
        "",
    ),
)

CHANNELS = {
    HW: (("phone", 6), ("onsite", 3), ("web", 1), ("email", 1)),
    ENV: (("phone", 5), ("remote", 3), ("email", 1), ("web", 1)),
    SW: (("phone", 4), ("remote", 3), ("web", 2), ("email", 2)),
    OP: (("phone", 6), ("remote", 2), ("web", 2)),
    OTHER: (("email", 5), ("phone", 3), ("web", 2)),
}

RESPONSES = {
    "phone": (
        "Called back the reporter and went through the symptoms",
        "Phoned the hall supervisor; collecting details",
    ),
    "remote": (
        "Logged in remotely over the VPN; looking at the logs",
        "Remote session open, reproducing the fault",
    ),
    "email": ("Acknowledged by email and asked for screenshots",),
    "web": ("Acknowledged on the portal; called the reporter for details",),
    "onsite": ("Engineer at the counter, looking at it now",),
}
PAUSE_REASONS = (
    "Waiting for the customer to agree a maintenance window outside office hours",
    "Waiting for the customer to send a screenshot of the error",
    "Waiting for the hall manager to confirm which windows are affected",
    "Waiting for the customer's network team to open VPN access",
    "Customer's staff in tax-policy training all afternoon; continue when they are back",
    "Part is out of warranty: waiting for the customer to approve the quote",
)
ESCALATIONS = (
    "Standard procedure did not fix it; needs a senior engineer on site",
    "Cannot fix it with the spares carried; senior engineer to bring the replacement",
    "Needs database expertise beyond first line",
)
COMMENTS = (
    "Customer confirms the fault affects every window in the hall",
    "Spare part taken from the regional depot",
    "Reproduced it in the test environment",
    "Vendor support case opened",
    "Hall supervisor asked for an update; told them the expected fix time",
    "Workaround in place: the hall assistant hands out numbers manually",
)
REOPEN_REASONS = (
    "The same fault is back",
    "Customer reports the same symptom again",
    "The fault came back after a power cut",
)

# --------------------------------------------------------------------------------------------
# Working time (local to the sites)


@dataclass
class _Calendar:
    """Working days and hours in the sites' zone, for plausibly timed non-urgent work."""

    rng: random.Random
    holidays: Any
    windows: tuple[tuple[time, time], ...] = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))

    def workday(self, d: date) -> bool:
        extra = getattr(self.holidays, "weekend_workdays", ())
        return d in extra or (d.weekday() < 5 and d not in self.holidays)

    def next_working(self, at: datetime) -> datetime:
        """`at` if it falls in working hours, else the start of the next window (plus a bit)."""
        tz = clock.zone(TZ)
        local = at.astimezone(tz)
        d = local.date()
        while True:
            if self.workday(d):
                for start, end in self.windows:
                    lo = datetime.combine(d, start, tz)
                    hi = datetime.combine(d, end, tz)
                    if local < lo:
                        jitter = timedelta(minutes=self.rng.randint(0, 25))
                        return (lo + jitter).astimezone(at.tzinfo)
                    if local < hi:
                        return at
            d += timedelta(days=1)
            local = datetime.combine(d, time(0), tz)


# --------------------------------------------------------------------------------------------
# A ticket's life, planned as (instant, action, arguments) and played up to now

ACTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "assign": tickets.assign,
    "respond": tickets.respond,
    "escalate": tickets.escalate,
    "arrive": tickets.arrive,
    "pause": tickets.pause,
    "resume": tickets.resume,
    "resolve": tickets.resolve_ticket,
    "report": tickets.report,
    "close": tickets.close,
    "reopen": tickets.reopen,
    "comment": tickets.comment,
}


@dataclass
class _Plan:
    rng: random.Random
    cal: _Calendar
    t: datetime
    urgent: bool
    steps: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, action: str, lo: int, hi: int, *, office: bool | None = None, **kw: Any) -> None:
        """Step `action` lo..hi minutes after the previous one, moved into working time if
        `office` (by default: unless the ticket is urgent, which gets support at any hour)."""
        t = self.t + timedelta(minutes=max(1, self.rng.randint(lo, hi)))
        if office or (office is None and not self.urgent):
            t = self.cal.next_working(t)
        self.t = t
        self.steps.append((t, action, kw))


def _fix_minutes(fault: Fault, severity: str) -> tuple[int, int]:
    """How long a fix takes, roughly as the plan's clocks expect (minutes, from..to)."""
    if severity == "major":
        return 60, 20 * 60
    if fault.category == OP:
        return 10, 90
    if fault.category == HW:
        return 120, 18 * 60
    if severity == "minor":
        return 20, 6 * 60
    return 30, 8 * 60


@dataclass
class _Ticket:
    site: str
    fault: Fault
    severity: str
    channel: str
    opened: datetime
    engineer: str
    fate: str
    values: dict[str, Any]
    asset: str | None = None
    reporter: str | None = None
    due: datetime | None = None
    urgent: bool = False  # worked on at any hour, not only in working time


def _plan(
    rng: random.Random, cal: _Calendar, tk: _Ticket
) -> list[tuple[datetime, str, dict[str, Any]]]:
    """The whole planned life of a ticket for its fate; the caller plays it up to now."""
    f, v = tk.fault, tk.values
    p = _Plan(rng, cal, tk.opened, tk.urgent)
    fate = tk.fate
    if fate == "just_reported":
        return p.steps
    if tk.channel == "onsite":  # reported to the engineer who is already there
        p.add("arrive", 1, 3, office=False, engineer=tk.engineer)
    p.add("assign", 2, 15, engineer=tk.engineer)
    lo, hi = (35, 80) if rng.random() < 0.08 else (2, 15)  # now and then a late response
    if tk.due is not None:
        note = "Upgrade request received; agreeing a date with the customer"
    else:
        note = rng.choice(RESPONSES[tk.channel])
    p.add("respond", lo, hi, note=note)
    if tk.due is not None:
        _plan_upgrade(rng, p, tk)
        return p.steps
    if rng.random() < 0.3:
        p.add("comment", 5, 60, body=rng.choice(COMMENTS))
    if fate == "assigned_open":
        return p.steps
    goes = f.category == HW and rng.random() < 0.6
    if tk.channel != "onsite" and (goes or fate in ("escalated_open", "closed_escalated")):
        p.add("arrive", 30, 180, engineer=tk.engineer)
    if fate in ("escalated_open", "closed_escalated"):
        senior = rng.choice([s for s in SENIORS if s != tk.engineer])
        p.add("escalate", 30, 240, office=False, to=senior, note=rng.choice(ESCALATIONS))
        late_arrival = rng.random() < 0.1
        lo, hi = (390, 540) if late_arrival else (60, 330)
        p.add("arrive", lo, hi, office=False, engineer=senior)
        if fate == "escalated_open":
            p.add(
                "comment",
                30,
                120,
                body="Replacement part ordered from the vendor; expected in two days",
            )
            return p.steps
    if fate in ("stuck_paused", "closed_paused"):
        p.add("pause", 10, 60, reason=rng.choice(PAUSE_REASONS))
        if fate == "stuck_paused":
            return p.steps
        p.add("resume", 120, 3 * 1440)
    lo, hi = _fix_minutes(f, tk.severity)
    p.add("resolve", lo, hi, note=f.fix.format(**v))
    if fate == "resolved_noreport":
        return p.steps
    _plan_report(rng, p, f, v)
    if fate == "resolved_report":
        return p.steps
    p.add("close", 240, 4 * 1440, office=True)
    if fate in ("reopened_open", "reopened_closed"):
        p.add("reopen", 720, 3 * 1440, office=True, reason=rng.choice(REOPEN_REASONS))
        p.add("respond", 5, 30, note="Looking at it again")
        if fate == "reopened_open":
            return p.steps
        fix = f.fix.format(**v)
        p.add("resolve", 60, 8 * 60, note=f"Fixed again: {fix[0].lower()}{fix[1:]}")
        _plan_report(rng, p, f, v)
        p.add("close", 240, 3 * 1440, office=True)
    if rng.random() < 0.15:
        p.add(
            "comment",
            60,
            2 * 1440,
            office=True,
            body="Satisfaction call: the customer is satisfied",
        )
    return p.steps


def _plan_report(rng: random.Random, p: _Plan, f: Fault, v: dict[str, Any]) -> None:
    lo, hi = (1500, 2400) if rng.random() < 0.1 else (60, 1200)
    p.add(
        "report",
        lo,
        hi,
        office=True,
        type=f.ptype,
        cause=f.cause.format(**v),
        method=f.fix.format(**v),
        losses=f.losses.format(**v) if f.losses else "None",
    )


def _plan_upgrade(rng: random.Random, p: _Plan, tk: _Ticket) -> None:
    """An upgrade: scheduled with the customer, done one evening near the due date."""
    assert tk.due is not None
    tz = clock.zone(TZ)
    day = (tk.due - timedelta(days=rng.choice((0, 1, 2, 3, 5, -1, -2)))).astimezone(tz).date()
    evening = datetime.combine(day, time(18, rng.randint(0, 59)), tz)
    p.add("comment", 60, 1440, body=f"Upgrade scheduled for the evening of {day:%Y-%m-%d}")
    if rng.random() < 0.25:
        p.add("pause", 30, 600, reason="Waiting for the customer to approve the upgrade window")
        p.add("resume", 600, 4 * 1440)
    gap = int((evening.astimezone(p.t.tzinfo) - p.t).total_seconds() // 60)
    p.add(
        "resolve",
        max(gap, 30),
        max(gap, 30) + 180,
        office=False,
        note=tk.fault.fix.format(**tk.values),
    )
    p.add("comment", 600, 1440, body="Trained the hall staff on the new version")
    p.add("close", 60, 2 * 1440)


# --------------------------------------------------------------------------------------------
# Loading


def load_demo(db: Database) -> dict[str, int]:
    """Fill an empty database with the demo sites, equipment and tickets; returns the counts."""
    with db.read() as conn:
        used = conn.execute(
            "SELECT (SELECT count(*) FROM site) + (SELECT count(*) FROM ticket)"
        ).scalar()
    if used:
        raise RuleViolation(
            f"database {db.label} already holds sites or tickets; load the demo into a new one"
        )
    import holidays

    rng = random.Random(SEED)
    now = clock.now()
    local_years = range(now.year - 1, now.year + 2)
    cal = _Calendar(rng, holidays.country_holidays("CN", years=local_years))
    # One transaction: the service calls below join it, so the demo lands whole or not at all.
    with db.write() as tx:
        staff = _load_sites(db, rng)
        assets = _load_assets(db, rng, now)
        _load_tickets(db, rng, cal, now, staff, assets)
        conn = tx.conn
        counts = {
            name: int(conn.execute(f"SELECT count(*) FROM {table}").scalar() or 0)
            for name, table in (
                ("sites", "site"),
                ("assets", "asset"),
                ("tickets", "ticket"),
                ("events", "ticket_event"),
            )
        }
    return counts


def _load_sites(db: Database, rng: random.Random) -> dict[str, list[str]]:
    """Each site, and the staff there who report faults (the contact first)."""
    staff = {}
    for code, name, region, contact, _engineer in SITES:
        add_site(db, code=code, name=name, tz=TZ, region=region, contact=contact)
        others = [f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}" for _ in range(3)]
        staff[code] = [contact.split(",")[0], *others]
    return staff


@dataclass
class _Asset:
    ref: str
    kind: str
    where: str


def _load_assets(db: Database, rng: random.Random, now: datetime) -> dict[str, list[_Asset]]:
    """Each site's equipment: servers, counter monitors, DVRs, queue machines, LED screens."""
    today = now.astimezone(clock.zone(TZ)).date()
    out: dict[str, list[_Asset]] = {}
    for code, *_ in SITES:
        project = today - timedelta(days=rng.randint(400, 6 * 365 - 30))
        halls = rng.randint(1, 3)
        windows = rng.randint(4, 9)
        servers = ["application server", "database server"]
        if rng.random() < 0.6:
            servers.append("backup server")
        fleet: list[tuple[str, str]] = [("server", s) for s in servers]
        fleet += [("monitor", f"window {w}") for w in range(1, windows + 1)]
        fleet += [("dvr", "main hall cameras")]
        if rng.random() < 0.4:
            fleet.append(("dvr", "entrance and car park cameras"))
        fleet += [("queue_machine", f"hall {h}") for h in range(1, halls + 1)]
        fleet += [("led_screen", f"hall {h}") for h in range(1, halls + 1)]
        fleet.append(("led_screen", f"windows 1-{windows}"))
        models = {kind: rng.choice(list(MODELS[kind])) for kind in MODELS}
        out[code] = []
        for kind, where in fleet:
            installed = project
            if rng.random() < 0.25:  # replaced or added since the project went live
                span = (today - timedelta(days=365) - project).days
                installed = project + timedelta(days=rng.randint(0, max(span, 0)))
            model = models[kind] if rng.random() < 0.85 else rng.choice(list(MODELS[kind]))
            years = rng.choice(WARRANTY_YEARS[kind])
            try:
                warranty = installed.replace(year=installed.year + years)
            except ValueError:  # 29 February
                warranty = installed.replace(year=installed.year + years, day=28)
            rec = add_asset(
                db,
                site=code,
                kind=kind,
                serial=_serial(rng, MODELS[kind][model]),
                model=model,
                installed_on=installed,
                warranty_until=warranty,
                notes=where,
            )
            out[code].append(_Asset(rec["ref"], kind, where))
    return out


# fates by age of the ticket: (fate, weight)
_FATES = (
    (2, (("assigned_open", 3), ("closed", 5), ("escalated_open", 1), ("stuck_paused", 1))),
    (
        21,
        (
            ("closed", 45),
            ("closed_paused", 8),
            ("closed_escalated", 8),
            ("resolved_noreport", 9),
            ("resolved_report", 9),
            ("stuck_paused", 7),
            ("escalated_open", 3),
            ("reopened_open", 4),
            ("reopened_closed", 5),
        ),
    ),
    (
        DAYS_BACK + 1,
        (
            ("closed", 70),
            ("closed_paused", 10),
            ("closed_escalated", 10),
            ("reopened_closed", 6),
            ("resolved_noreport", 1),
        ),
    ),
)

# Tickets that make sure the board shows every state whatever the seed draws:
# (fate, youngest and oldest age in minutes)
_FORCED = (
    ("just_reported", 15, 40),
    ("assigned_open", 70, 180),
    ("escalated_open", 600, 900),
    ("stuck_paused", 1500, 2800),
    ("resolved_noreport", 3 * 1440, 4 * 1440),
    ("resolved_report", 4 * 1440, 6 * 1440),
    ("reopened_open", 12 * 1440, 14 * 1440),
)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _opened_at(rng: random.Random, cal: _Calendar, now: datetime, off_hours: bool) -> datetime:
    """When a fault is reported: mostly in working hours, recent weeks busier."""
    tz = clock.zone(TZ)
    today = now.astimezone(tz).date()
    while True:
        d = today - timedelta(days=int(DAYS_BACK * rng.random() ** 1.25))
        if off_hours:
            minute = rng.randint(18 * 60, 23 * 60 + 30)
        else:
            if not cal.workday(d):
                continue
            minute = rng.choice(
                (rng.randint(8 * 60 + 30, 11 * 60 + 50), rng.randint(13 * 60 + 30, 17 * 60 + 20))
            )
        at = datetime.combine(d, time(minute // 60, minute % 60), tz).astimezone(now.tzinfo)
        if at < now - timedelta(minutes=10):
            return at


def _draw_fault(
    rng: random.Random, pool: tuple[Fault, ...], fleet: list[_Asset]
) -> tuple[Fault, _Asset | None]:
    """A fault from `pool` that fits the site's equipment, and the asset it is about."""
    while True:
        fault = rng.choice(pool)
        fit = [
            a
            for a in fleet
            if a.kind == fault.kind and (fault.role is None or a.where == fault.role)
        ]
        if fault.kind is None or fit:
            return fault, rng.choice(fit) if fit else None


# what a senior engineer gets called out for: no questions, requests or cosmetic faults
_ESCALATABLE = tuple(f for f in FAULTS if f.category in (HW, ENV, SW) and f.severities != MIN)
# what may wait on the customer for days: not a major fault
_PAUSABLE = tuple(f for f in FAULTS if f.severities != MAJ)


def _working_before(rng: random.Random, cal: _Calendar, latest: datetime) -> datetime:
    """A minute in working hours on the last working day, no later than `latest`."""
    tz = clock.zone(TZ)
    d = latest.astimezone(tz).date()
    while True:
        if cal.workday(d):
            start, end = rng.choice(cal.windows)
            lo, hi = start.hour * 60 + start.minute, end.hour * 60 + end.minute - 10
            minute = rng.randint(lo, hi)
            at = datetime.combine(d, time(minute // 60, minute % 60), tz)
            if at <= latest:
                return at.astimezone(latest.tzinfo)
        d -= timedelta(days=1)


def _load_tickets(
    db: Database,
    rng: random.Random,
    cal: _Calendar,
    now: datetime,
    staff: dict[str, list[str]],
    assets: dict[str, list[_Asset]],
) -> None:
    plans: list[_Ticket] = []
    for i in range(TICKETS):
        forced = _FORCED[i] if i < len(_FORCED) else None
        site = rng.choice(SITES)
        code, engineer = site[0], site[4]
        if rng.random() < 0.3:
            engineer = rng.choice(FIRST_LINE)
        upgrade = forced is None and rng.random() < 0.07
        off_hours = forced is None and rng.random() < 0.12
        urgent = False
        if forced is None:
            opened = _opened_at(rng, cal, now, off_hours)
        elif forced[2] < 1440:  # hours old: whatever the hour, it is being worked on
            opened = (now - timedelta(minutes=rng.randint(forced[1], forced[2]))).replace(second=0)
            urgent = True
        else:
            opened = _working_before(rng, cal, now - timedelta(minutes=forced[1]))
        age_days = (now - opened).total_seconds() / 86400
        fate = (
            forced[0]
            if forced
            else next(_pick(rng, weights) for limit, weights in _FATES if age_days <= limit)
        )
        pool: tuple[Fault, ...] = FAULTS
        barred = ""
        if upgrade:
            pool = UPGRADES
        elif fate in ("escalated_open", "closed_escalated"):
            pool, barred = _ESCALATABLE, "minor"
        elif fate in ("stuck_paused", "closed_paused"):
            pool, barred = _PAUSABLE, "major"
        fault, asset = _draw_fault(rng, pool, assets[code])
        severity = rng.choice([s for s in fault.severities if s != barred])
        if upgrade or (off_hours and severity != "major"):
            channel = rng.choice(("web", "email"))
        elif off_hours:
            channel = "phone"  # the hotline, for urgent faults outside working hours
        else:
            channel = _pick(rng, CHANNELS[fault.category])
        values = {
            "where": asset.where if asset else "",
            "Where": asset.where.capitalize() if asset else "",
            "ch": rng.randint(1, 16),
            "pct": rng.randint(91, 98),
            "win": rng.randint(1, 8),
            "slot": rng.randint(0, 5),
            "temp": rng.randint(31, 36),
            "n": rng.randint(2, 60),
            "ver": f"{rng.randint(5, 6)}.{rng.randint(0, 4)}.{rng.randint(0, 9)}",
        }
        due = None
        if upgrade:
            local = (opened + timedelta(days=rng.randint(10, 45))).astimezone(clock.zone(TZ))
            due = local.replace(hour=17, minute=30).astimezone(now.tzinfo)
        plans.append(
            _Ticket(
                site=code,
                fault=fault,
                severity=severity,
                channel=channel,
                opened=opened,
                engineer=engineer,
                fate=fate,
                values=values,
                asset=asset.ref if asset else None,
                reporter=rng.choice(staff[code]),
                due=due,
                urgent=urgent or severity == "major",
            )
        )
    plans.sort(key=lambda tk: tk.opened)  # refs follow the order the faults were reported
    cutoff = now - timedelta(minutes=1)
    for tk in plans:
        steps = _plan(rng, cal, tk)
        rec = tickets.open_ticket(
            db,
            title=tk.fault.title.format(**tk.values),
            site=tk.site,
            category=tk.fault.category,
            severity=tk.severity,
            channel=tk.channel,
            asset=tk.asset,
            reporter=tk.reporter,
            due=tk.due,
            at=tk.opened,
        )
        for at, action, kwargs in steps:
            if at > cutoff:
                break
            ACTIONS[action](db, rec["ref"], at=at, **kwargs)
