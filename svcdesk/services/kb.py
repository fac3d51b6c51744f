"""The knowledge base: FAQ answers for operators and classic cases, searchable offline.

The plan's proactive service: common problems compiled regularly and pushed to the operators
(定时整理常见问题，并主动推送给基层操作人员), classic problems and cases kept (汇总经典问题和案例),
and the knowledge base updated with every upgrade (更新问题知识库). An article has a title, a
Markdown body, tags, a kind (`faq` or `case`), the tickets it draws on and the upgrade version
it applies to. Search works on Chinese and English alike with no compiled extension
(domain/search.py): any two Chinese characters of an article, or any whole word, find it; the
results are ranked, title matches first.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from svcdesk import clock, ids
from svcdesk.domain import search as rules
from svcdesk.domain.tickets import choose
from svcdesk.errors import InvalidValue, NotFound
from svcdesk.store import kb as store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.db import Database
from svcdesk.store.schema import ArticleRow
from svcdesk.store.sql import Conn

KINDS = ("faq", "case")
MAX_TITLE = 200  # characters
MAX_TAG = 40
MAX_VERSION = 40
MAX_BODY = 1 << 20  # bytes of a body file: 1 MiB
LIMIT = 20  # search results shown unless --limit says otherwise


# --------------------------------------------------------------------------------------------
# Checking values


def _one_line(value: str, what: str, most: int) -> str:
    text = value.strip()
    if "\x00" in text:
        raise InvalidValue(f"{what} must not contain a NUL character")
    if "\n" in text or "\r" in text:
        raise InvalidValue(f"{what} must be one line")
    if len(text) > most:
        raise InvalidValue(f"{what} is {len(text)} characters long; at most {most} are kept")
    return text


def _title(value: str) -> str:
    title = _one_line(value, "--title", MAX_TITLE)
    if not title:
        raise InvalidValue("an article needs a --title")
    return title


def tag_name(value: str) -> str:
    """A tag as stored and compared: NFKC, lower case, inner spaces as one (`Printer` and
    `ＰＲＩＮＴＥＲ` are one tag)."""
    tag = " ".join(rules.normalize(_one_line(value, "--tag", MAX_TAG * 2)).split())
    if not tag:
        raise InvalidValue("a --tag must not be empty")
    if len(tag) > MAX_TAG:
        raise InvalidValue(f"tag {tag!r} is {len(tag)} characters long; at most {MAX_TAG}")
    if not tag.isprintable():
        raise InvalidValue(f"tag {tag!r} holds a control character")
    return tag


def _tags(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        tag = tag_name(value)
        if tag not in out:
            out.append(tag)
    return out


def _version(value: str) -> str | None:
    """The upgrade version an article applies to ("" : none)."""
    text = _one_line(value, "--applies-to", MAX_VERSION)
    if text and not text.isprintable():
        raise InvalidValue(f"--applies-to {text!r} holds a control character")
    return text or None


def _body(text: str) -> str:
    if "\x00" in text:
        raise InvalidValue("an article's body must not contain a NUL character")
    return text.replace("\r\n", "\n")


def read_body(source: str) -> str:
    """The body from a file (`-`: standard input), which must be UTF-8 text (a BOM is
    dropped, CRLF line ends become LF)."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_BODY + 1)
        else:
            path = Path(source)
            if path.is_dir():
                raise InvalidValue(f"--body {source} is a folder; name a Markdown file")
            with path.open("rb") as fh:
                data = fh.read(MAX_BODY + 1)
    except FileNotFoundError:
        raise InvalidValue(f"--body {source}: no such file") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read --body {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_BODY:
        raise InvalidValue(f"the body in {name} is larger than 1 MiB; an article holds less")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidValue(
            f"the body in {name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8 and try again"
        ) from None
    return _body(text)


def _linked(conn: Conn, db: Database, typed: Sequence[str]) -> list[str]:
    """The ids of the tickets named, each once, in the order given."""
    out: list[str] = []
    for name in typed:
        if not name.strip():
            raise InvalidValue("a --ticket must not be empty")
        ticket_id = ticket_store.find(conn, name, replica_code=db.replica_code).id
        if ticket_id not in out:
            out.append(ticket_id)
    return out


# --------------------------------------------------------------------------------------------
# Writing


def add_article(
    db: Database,
    *,
    title: str,
    body: str | None = None,
    body_file: str | None = None,
    kind: str | None = None,
    tags: Sequence[str] = (),
    tickets: Sequence[str] = (),
    applies_to: str | None = None,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """Add an article (kind `faq` unless said), its body from `body` or a file (`-`: standard
    input); every value is checked before anything is written."""
    text = _title(title)
    chosen = choose(kind, KINDS, "article kind") if kind is not None else "faq"
    tag_list = _tags(tags)
    version = _version(applies_to) if applies_to is not None else None
    if body is not None and body_file is not None:
        raise InvalidValue("give the body as text or as a file, not both")
    content = read_body(body_file) if body_file is not None else _body(body or "")
    ts = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        linked = _linked(tx.conn, db, tickets)
        article = ArticleRow(
            id=ids.uuid7(),
            ref=store.next_ref(tx, db.replica_code),
            kind=chosen,
            title=text,
            body=content,
            tags=_json(tag_list),
            tickets=_json(linked),
            applies_to=version,
            created_at=ts,
            updated_at=ts,
        )
        store.insert(tx, article)
    return show(db, article.id)


def edit_article(
    db: Database,
    typed: str,
    *,
    title: str | None = None,
    body: str | None = None,
    body_file: str | None = None,
    kind: str | None = None,
    tags: Sequence[str] = (),
    untag: Sequence[str] = (),
    tickets: Sequence[str] = (),
    unlink: Sequence[str] = (),
    applies_to: str | None = None,
    at: str | datetime | None = None,
    notify: Any = None,
) -> dict[str, Any]:
    """Change the given fields of an article: a new title, body (text or a file), kind or
    version (`applies_to` "" clears it); tags added and taken away, tickets linked and
    unlinked. Each field syncs on its own: two laptops editing one body keep both versions
    (`sync conflicts` lists the one that lost, `sync keep` brings it back)."""
    given = (title, body, body_file, kind, applies_to)
    if all(v is None for v in given) and not (tags or untag or tickets or unlink):
        raise InvalidValue("nothing to change: give one or more of --title, --body, --kind, "
                           "--tag, --untag, --ticket, --unlink, --applies-to")  # fmt: skip
    new: dict[str, Any] = {}
    if title is not None:
        new["title"] = _title(title)
    if kind is not None:
        new["kind"] = choose(kind, KINDS, "article kind")
    if applies_to is not None:
        new["applies_to"] = _version(applies_to)
    if body is not None and body_file is not None:
        raise InvalidValue("give the body as text or as a file, not both")
    if body_file is not None:
        new["body"] = read_body(body_file)
    elif body is not None:
        new["body"] = _body(body)
    adding, removing = _tags(tags), _tags(untag)
    if set(adding) & set(removing):
        both = sorted(set(adding) & set(removing))[0]
        raise InvalidValue(f"tag {both!r} is both added (--tag) and taken away (--untag)")
    ts = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        conn = tx.conn
        article = store.find(conn, typed, replica_code=db.replica_code)
        had_tags = orjson.loads(article.tags)
        for tag in removing:
            if tag not in had_tags:
                raise InvalidValue(f"article {article.ref} has no tag {tag!r} (its tags: "
                                   f"{', '.join(had_tags) or 'none'})")  # fmt: skip
        if adding or removing:
            kept = [t for t in had_tags if t not in removing]
            new["tags"] = _json(kept + [t for t in adding if t not in kept])
        if tickets or unlink:
            had = orjson.loads(article.tickets)
            dropped = _linked(conn, db, unlink)
            for ticket_id in dropped:
                if ticket_id not in had:
                    ref = ticket_store.by_ids(conn, [ticket_id])[0].ref
                    raise InvalidValue(f"article {article.ref} is not linked to ticket {ref}")
            kept = [t for t in had if t not in dropped]
            new["tickets"] = _json(kept + [t for t in _linked(conn, db, tickets) if t not in kept])
        changes = {k: v for k, v in new.items() if getattr(article, k) != v}
        if changes:
            changes["updated_at"] = max(ts, article.updated_at)
            store.update(tx, article.id, changes)
        elif notify is not None:
            notify(f"article {article.ref} already says that; nothing was changed")
    return show(db, article.id)


def _json(values: list[str]) -> str:
    return orjson.dumps(values).decode()


# --------------------------------------------------------------------------------------------
# Reading


def _records(conn: Conn, articles: list[ArticleRow]) -> list[dict[str, Any]]:
    """Articles as users see them (the JSON shape of CLI.md)."""
    local = clock.local_times(clock.display_tz())
    linked = {a.id: orjson.loads(a.tickets) for a in articles}
    wanted = {t for ts in linked.values() for t in ts}
    refs = {t.id: t.ref for t in ticket_store.by_ids(conn, sorted(wanted))} if wanted else {}
    return [
        {
            "id": a.id,
            "ref": a.ref,
            "title": a.title,
            "kind": a.kind,
            "tags": orjson.loads(a.tags),
            "tickets": [refs.get(t, t) for t in linked[a.id]],
            "applies_to": a.applies_to,
            "body": a.body,
            "created_at": local(a.created_at),
            "updated_at": local(a.updated_at),
        }
        for a in articles
    ]


def show(db: Database, article_id: str) -> dict[str, Any]:
    """The article with this id, as `kb show` gives it."""
    with db.read() as conn:
        article = store.by_id(conn, article_id)
        assert article is not None
        return _records(conn, [article])[0]


def show_article(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        return _records(conn, [store.find(conn, typed, replica_code=db.replica_code)])[0]


def list_articles(
    db: Database, *, kind: str | None = None, tag: str | None = None
) -> Iterator[dict[str, Any]]:
    """Articles, most recently updated first, of one kind and with one tag; a tag no article
    has is an error (a typo would otherwise look like an empty list)."""
    chosen = choose(kind, KINDS, "article kind") if kind is not None else None
    wanted = tag_name(tag) if tag is not None else None
    with db.read() as conn:
        rows = store.listing(conn, kind=chosen, tag=wanted)
        first = list(islice(rows, 500))
        if not first and wanted is not None and next(store.listing(conn, tag=wanted), None) is None:
            used = store.tags_in_use(conn)
            hint = f"tags in use: {', '.join(used[:20])}{' ...' if len(used) > 20 else ''}"
            raise NotFound(f"no article has tag {wanted!r} ({hint if used else 'no tags yet'})")
        records = _records(conn, first)
        rest = list(rows)
        for start in range(0, len(rest), 500):
            records += _records(conn, rest[start : start + 500])
    return iter(records)


def search(db: Database, query: str, *, limit: int | None = LIMIT) -> dict[str, Any]:
    """The articles that hold every term of `query`, best first (BM25-like: rarer terms and
    title matches weigh more), at most `limit` (None or 0: all), each with its score, a
    snippet of its body around the first match, and where the query matches in its title and
    in the snippet (`marks`: [start, end) spans). `total`: how many match in all."""
    terms = rules.query_terms(query)
    if limit is not None and limit < 0:
        raise InvalidValue("--limit must be 0 (every match) or more")
    with db.read() as conn:
        hits, total = store.search_docs(conn, terms, limit=limit or None)
        records = _records(conn, [h.article for h in hits])
    for rec, hit in zip(records, hits, strict=True):
        cut = rules.snippet(rec["body"], terms)
        rec["score"] = hit.score
        rec["snippet"] = cut.text
        rec["marks"] = {"title": [list(m) for m in rules.marks(rec["title"], terms)],
                        "snippet": [list(m) for m in cut.marks]}  # fmt: skip
    return {"query": query.strip(), "total": total, "hits": records}


# --------------------------------------------------------------------------------------------
# Demo data


def demo_articles() -> list[dict[str, Any]]:
    """A dozen articles of the kind the plan asks for (FAQ for operators, classic cases), in
    Chinese and English, about its equipment: queue-ticket machines and their printers, LED
    screens, DVRs, servers, the database, monitors. Plain dicts: title, body, kind, tags."""
    return [dict(a) for a in _DEMO]


_DEMO: tuple[dict[str, Any], ...] = (
    {
        "title": "排队叫号机打印卡纸的处理",
        "kind": "faq",
        "tags": ["叫号机", "打印机", "卡纸"],
        "body": (
            "## 现象\n\n"
            "取号时叫号机提示“打印机故障”，或出票口只吐出半张票，纸卷不再转动。\n\n"
            "## 处理方法\n\n"
            "1. 在叫号机管理界面暂停取号，避免群众反复按键。\n"
            "2. 用钥匙打开机柜前门，按下打印机上的绿色释放杆，掀开打印头。\n"
            "3. 取出卡住的纸张和碎纸屑，注意不要用金属工具刮擦打印头。\n"
            "4. 重新装入热敏纸：**光面朝向打印头**，纸头从出票口拉出约 2 厘米。\n"
            "5. 合上打印头，按“走纸”键确认出纸顺畅，再恢复取号。\n\n"
            "反复卡纸多为纸卷受潮或使用了非原装纸卷，请更换为 80mm 原装热敏纸。"
        ),
    },
    {
        "title": "叫号机出票空白：热敏纸装反",
        "kind": "faq",
        "tags": ["叫号机", "打印机"],
        "body": (
            "## 现象\n\n"
            "叫号机能正常出票，但票面一片空白，没有号码和二维码。\n\n"
            "## 原因\n\n"
            "热敏纸只有一面涂有显色层。更换纸卷时装反，打印头加热的是背面，票面就不显字。\n\n"
            "## 处理方法\n\n"
            "用指甲在纸面快速划一下：出现黑色划痕的一面是热敏面，应朝向打印头。"
            "把纸卷翻转后重新装入，打印测试页确认。"
        ),
    },
    {
        "title": "大厅 LED 屏局部黑块、整块模组不亮",
        "kind": "case",
        "tags": ["led屏", "硬件", "保修"],
        "body": (
            "## 问题类型\n\n硬件故障（LED 显示屏）。\n\n"
            "## 现象\n\n"
            "办税大厅 LED 条屏右侧有一块 32×16 的区域不亮，其余部分显示正常。\n\n"
            "## 原因\n\n"
            "该模组的排线接口氧化松动，驱动芯片间歇性失去信号；屏体已使用 4 年。\n\n"
            "## 处理方法\n\n"
            "断电后拆下模组，清洁并重新压紧排线；仍不亮则更换同批次备用模组，"
            "并在接收卡软件中重新校正亮度。\n\n"
            "## 说明\n\n"
            "按服务方案，使用 3 年以上的 LED 屏只提供保修（维修），不提供免费更换，"
            "更换模组需与局方确认费用。"
        ),
    },
    {
        "title": "硬盘录像机（DVR）录像丢失、只保留最近几天",
        "kind": "case",
        "tags": ["dvr", "录像", "硬盘"],
        "body": (
            "## 现象\n\n"
            "调取上周的大厅监控录像时，DVR 提示“无录像文件”，只能查到最近 3 天的录像。\n\n"
            "## 原因\n\n"
            "录像机的一块硬盘已被系统标记为“异常”，剩余容量不足，循环覆盖提前发生。\n\n"
            "## 处理方法\n\n"
            "1. 在 DVR 的存储管理中查看硬盘状态，确认异常盘位。\n"
            "2. 更换同容量监控级硬盘并初始化；DVR 在保修范围内，硬盘免费更换。\n"
            "3. 检查录像计划与码流设置，确认可保存 30 天录像。\n\n"
            "## 造成的损失\n\n丢失约 9 天的大厅录像，已书面告知局方。"
        ),
    },
    {
        "title": "Queue ticket machine prints nothing after a paper change",
        "kind": "faq",
        "tags": ["queue machine", "printer"],
        "body": (
            "## Symptom\n\n"
            "After the operator loaded a new paper roll, the queue-ticket machine feeds "
            "paper but the tickets come out blank, or it reports *printer offline*.\n\n"
            "## What to do\n\n"
            "- Check that the thermal side faces the print head (scratch it with a "
            "fingernail: the thermal side turns black).\n"
            "- Make sure the print head is latched: press it down until it clicks.\n"
            "- If the printer still shows offline, restart the queuing service from the "
            "kiosk's admin menu, then print a test ticket.\n\n"
            "Use 80 mm thermal rolls only; narrower rolls jam the cutter."
        ),
    },
    {
        "title": "Tax service system slow at month-end: database lock waits",
        "kind": "case",
        "tags": ["server", "database", "performance"],
        "body": (
            "## Problem type\n\nEnvironment (database).\n\n"
            "## Symptom\n\n"
            "On the last working days of the month every counter waited 20-40 seconds for "
            "a taxpayer record to open; the server's CPU was mostly idle.\n\n"
            "## Cause\n\n"
            "A nightly statistics job had been rescheduled to working hours and held long "
            "row locks on the declarations table; sessions queued behind it.\n\n"
            "## Method\n\n"
            "Moved the job back to 22:00, added the missing index on the declaration date, "
            "and set a lock wait timeout so a blocked counter gets an error instead of "
            "hanging. Response times went back under 2 seconds."
        ),
    },
    {
        "title": "数据库表空间不足导致业务系统报错",
        "kind": "case",
        "tags": ["数据库", "服务器"],
        "body": (
            "## 问题类型\n\n环境问题（数据库）。\n\n"
            "## 现象\n\n"
            "上午 9 点起各窗口录入申报时报“保存失败”，查询功能正常。\n\n"
            "## 原因\n\n"
            "业务数据表空间已用满且未开启自动扩展，归档日志同时占满了数据盘。\n\n"
            "## 处理方法\n\n"
            "远程登录数据库服务器，清理已备份的归档日志，为表空间增加数据文件并开启自动扩展；"
            "随后在巡检清单中加入表空间使用率检查（超过 85% 告警）。\n\n"
            "## 造成的损失\n\n约 40 分钟无法录入申报，无数据丢失。"
        ),
    },
    {
        "title": "叫号系统升级到 3.2 后窗口屏不显示号码",
        "kind": "case",
        "tags": ["升级", "叫号机", "led屏"],
        "applies_to": "3.2",
        "body": (
            "## 现象\n\n"
            "叫号系统从 3.1 升级到 3.2 后，叫号机和语音播报正常，但各窗口上方的 LED 窗口屏"
            "不再显示当前号码。\n\n"
            "## 原因\n\n"
            "3.2 版把窗口屏的通讯协议默认改为 TCP，而大厅原有窗口屏使用 RS-485 串口。\n\n"
            "## 处理方法\n\n"
            "在叫号服务器的“设备管理 → 窗口屏”中把协议改回 RS-485、波特率 9600，"
            "重启叫号服务。升级前请先核对窗口屏型号，升级后组织大厅人员培训新版操作。"
        ),
    },
    {
        "title": "How to restart the queuing service remotely",
        "kind": "faq",
        "tags": ["queue machine", "remote"],
        "body": (
            "When the hall's queue display freezes but the kiosks still issue tickets, the "
            "queuing service on the hall server has usually stopped.\n\n"
            "1. Log in to the hall server over the remote support connection.\n"
            "2. Open *Services*, find **QueueService**, and choose *Restart*.\n"
            "3. Call a test number from a counter and check the LED screen and the voice.\n\n"
            "If it stops again within a day, collect the service log and open a ticket: "
            "do not reinstall on site without the customer's consent."
        ),
    },
    {
        "title": "显示器黑屏、提示无信号的排查",
        "kind": "faq",
        "tags": ["显示器", "硬件"],
        "body": (
            "## 先由操作人员检查\n\n"
            "1. 显示器电源灯是否亮；不亮时检查电源线和插座。\n"
            "2. 提示“无信号”时，重新插紧主机与显示器之间的视频线（HDMI/VGA）。\n"
            "3. 按显示器的“输入源”键，切换到正确的接口。\n\n"
            "## 仍不能显示\n\n"
            "记录显示器型号和序列号，报修。显示器在保修期内免费维修和更换。"
        ),
    },
    {
        "title": "DVR unreachable on the network after an IP address change",
        "kind": "faq",
        "tags": ["dvr", "network"],
        "body": (
            "After the bureau's network team moves the surveillance VLAN, the DVR keeps its "
            "old static address and the monitoring client shows it offline.\n\n"
            "- Connect a monitor and mouse to the DVR, open *Network*, and set the new "
            "address, mask and gateway (ask the network team for them).\n"
            "- Update the device address in the monitoring client.\n"
            "- Check that recording continued: the DVR records locally even when offline."
        ),
    },
    {
        "title": "服务器 RAID 硬盘告警的更换流程",
        "kind": "case",
        "tags": ["服务器", "硬盘", "保修"],
        "body": (
            "## 现象\n\n"
            "巡检时发现数据库服务器前面板一块硬盘指示灯为橙色，"
            "管理口日志显示 RAID 处于降级状态。\n\n"
            "## 处理方法\n\n"
            "1. 先确认最近一次数据库备份可用。\n"
            "2. 在管理界面确认故障盘位，热插拔更换同型号硬盘，等待 RAID 重建完成（约 6 小时）。\n"
            "3. 重建期间避免重启服务器，并在工单中记录新旧硬盘序列号。\n\n"
            "## 说明\n\n服务器在保修范围内，硬盘免费更换；更换后出具巡检报告。"
        ),
    },
)


# --------------------------------------------------------------------------------------------
# For the digest (services/digest.py) and classic cases drafted from tickets


def article_records(conn: Conn, articles: list[ArticleRow]) -> list[dict[str, Any]]:
    """Articles as users see them (the JSON shape of CLI.md), read on `conn`."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(articles), 500):
        out += _records(conn, articles[start : start + 500])
    return out


CASE_STATUSES = ("resolved", "closed")


def draft_case(
    db: Database,
    typed: str,
    *,
    lang: str | None = None,
    title: str | None = None,
    tags: Sequence[str] = (),
    applies_to: str | None = None,
    dry_run: bool = False,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """A classic case (kind `case`) drafted from a resolved ticket and its incident report (the
    plan's "汇总经典问题和案例"): its problem type, cause, method and losses as the sections of
    the body (in `lang`; default the policy's), linked to the ticket, tagged with its category;
    saved unless `dry_run` (then the draft alone, with no id or ref). A ticket not resolved, one
    without its incident report, or one a case already draws on is refused, nothing written."""
    from svcdesk.errors import RuleViolation
    from svcdesk.reports import case as drafts
    from svcdesk.reports.render import check_lang
    from svcdesk.services import reports

    given_title = _title(title) if title is not None else None
    extra = _tags(tags)
    version = _version(applies_to) if applies_to is not None else None
    if lang is None:
        from svcdesk.services import policies

        lang = policies.language_now(db)
    lang = check_lang(lang)
    when = clock.recorded_at(at)
    incident, ref = reports.incident_context(db, typed)
    ticket = incident["ticket"]
    if ticket["status"] not in CASE_STATUSES:
        raise RuleViolation(f"ticket {ref} is {ticket['status']}: a classic case is drafted from "
                            f"a resolved ticket ('svcdesk ticket resolve {ref} --note ...' "
                            "first); nothing was written")  # fmt: skip
    if incident["report"] is None:
        raise RuleViolation(f"ticket {ref} has no incident report: file it first with "
                            f"'svcdesk ticket report {ref} --type T --cause C --method M'; "
                            "nothing was written")  # fmt: skip
    with db.read() as conn:
        drawn = next((a for a in store.listing(conn, kind="case")
                      if ticket["id"] in orjson.loads(a.tickets)), None)  # fmt: skip
    if drawn is not None:
        raise RuleViolation(f"classic case {drawn.ref} already draws on ticket {ref}; change it "
                            f"with 'svcdesk kb edit {drawn.ref}'; nothing was written")  # fmt: skip
    name = given_title or _case_title(ticket["title"])
    chosen = [tag_name(ticket["category"])] if ticket.get("category") else []
    chosen += [t for t in extra if t not in chosen]
    text = drafts.body(incident, lang)
    if dry_run:
        return {"id": None, "ref": None, "title": name, "kind": "case", "tags": chosen,
                "tickets": [ref], "applies_to": version, "body": text, "created_at": None,
                "updated_at": None}  # fmt: skip
    return add_article(db, title=name, body=text, kind="case", tags=chosen,
                       tickets=[ticket["id"]], applies_to=version, at=when)


def _case_title(title: str) -> str:
    """A ticket's title as an article's: its first line, cut to MAX_TITLE characters."""
    line = next((ln.strip() for ln in title.splitlines() if ln.strip()), "") or title.strip()
    line = line.replace("\x00", "")
    return line if len(line) <= MAX_TITLE else line[: MAX_TITLE - 1] + "…"
