"""Issue 13's speed promises for the knowledge base: a search over 100,000 articles takes under
50 ms of query time, and `kb search` as a whole command costs under 1.2x `ticket show` on the
same database (ratio of medians, harness.py).

    env -u PYTHONDONTWRITEBYTECODE python bench/bench_kb.py [--articles 100000] [--keep DIR]

(`harness.svcdesk` runs the venv's `svcdesk` script: install this tree there, as bench/README.md
says, or add `PYTHONPATH=.` when that install is older.)

Creates a demo database (`init --demo`) in a temporary folder and loads ARTICLES articles in one
transaction, each logged for sync and indexed by the one index writer (store/kb.py `reindex`):
two thirds Chinese, a third English, each a title and a Markdown body of 150-400 characters
drawn from the plan's equipment (queue-ticket machines and their printers, LED screens, DVRs,
servers, the database, monitors, the network), symptoms, causes and methods, with site names,
window numbers, error codes and versions, so that common terms (打印, 故障) are in a large
share of the articles and rare ones (an error code) in a few. Then:

- query time: `services.kb.search` in this process, each query of QUERIES (one and several
  terms, Chinese and English, a one-character query, a rare term, a term found nowhere) run
  after a warm-up, median of `--rounds`; the limit is on the slowest query;
- whole commands: `kb search Q` for a common and a multi-term query against `ticket show 1`,
  round-robin (harness.measure), the ratio of medians.

`--keep DIR` keeps (or reuses) the database in DIR: building 100,000 articles takes minutes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import env, measure, report, svcdesk

ROOT = Path(__file__).resolve().parent.parent
QUERY_LIMIT_MS = 50.0
COMMAND_RATIO = 1.2
QUERIES = ("打印", "卡纸", "叫号机 打印", "排队叫号机打印卡纸", "服务器 数据库 表空间", "屏", "dvr",
           "DVR disk full", "printer", "E4071", "升级 3.2", "没有的词", "raid")  # fmt: skip
COMMAND_QUERIES = ("打印", "叫号机 卡纸")

SITES = ("海淀区税务局", "朝阳区税务局", "浦东新区税务局", "西湖区税务局", "天河区税务局",
         "南山区税务局", "江岸区税务局", "武侯区税务局", "雁塔区税务局",
         "鼓楼区税务局")  # fmt: skip
ZH_EQUIPMENT = ("排队叫号机", "叫号机打印机", "大厅 LED 屏", "窗口屏", "硬盘录像机",
                "数据库服务器", "应用服务器", "显示器", "交换机", "评价器", "发票打印机",
                "自助办税终端")  # fmt: skip
ZH_SYMPTOMS = ("打印卡纸", "出票空白", "黑屏无信号", "局部不亮", "录像丢失", "系统运行缓慢",
               "报错无法保存", "频繁重启", "网络中断", "声音播报失真", "触摸失灵", "时间不同步",
               "硬盘告警")  # fmt: skip
ZH_CAUSES = ("热敏纸受潮", "排线松动", "电源老化", "硬盘损坏", "表空间不足", "网线接触不良",
             "驱动版本过旧", "配置被误改", "风扇积灰导致过热", "IP 地址冲突",
             "升级后协议变更")  # fmt: skip
ZH_METHODS = ("断电后重新插紧排线", "更换同型号备件", "清理归档日志并扩容表空间",
              "重新装入原装热敏纸", "恢复出厂配置后重新设置", "远程重启服务",
              "更换硬盘并重建 RAID", "升级驱动程序", "清洁风扇并改善机房通风",
              "与网络组核对地址规划")  # fmt: skip
EN_EQUIPMENT = ("queue ticket machine", "ticket printer", "LED screen", "counter display", "DVR",
                "database server", "application server", "monitor", "network switch", "kiosk")
EN_SYMPTOMS = ("jams on every ticket", "prints blank tickets", "shows no signal", "keeps rebooting",
               "loses recordings", "runs slowly at month end", "drops off the network",
               "reports a disk failure", "shows the wrong time")  # fmt: skip
EN_CAUSES = ("a damp paper roll", "a loose ribbon cable", "an ageing power supply", "a full disk",
             "a failed disk", "a duplicate IP address", "an outdated driver", "a changed setting",
             "dust in the fan")  # fmt: skip
EN_METHODS = ("reseated the cable", "replaced the part under warranty", "cleaned the print head",
              "restarted the service remotely", "rebuilt the RAID array", "updated the driver",
              "restored the configuration", "moved the job to the night")  # fmt: skip


def article(rng: random.Random, n: int) -> dict[str, object]:
    """One realistic article: its title, Markdown body, kind, tags and version."""
    code = f"E{rng.randint(1000, 9999)}"
    version = f"{rng.randint(2, 4)}.{rng.randint(0, 9)}"
    upgraded = n % 5 == 0  # a fifth are about an upgrade
    if n % 3 == 2:
        eq, sym = rng.choice(EN_EQUIPMENT), rng.choice(EN_SYMPTOMS)
        cause, method = rng.choice(EN_CAUSES), rng.choice(EN_METHODS)
        title = f"The {eq} {sym}"
        body = (f"## Symptom\n\nAt counter {rng.randint(1, 30)} the {eq} {sym} (error {code}).\n\n"
                f"## Cause\n\n{cause.capitalize()}.\n\n## Method\n\nWe {method}, then checked "
                f"the {rng.choice(EN_EQUIPMENT)} as well.")  # fmt: skip
        if upgraded:
            body += f" After the upgrade to version {version}, train the operators again."
        tags = [eq.split()[-1], "hardware" if n % 2 else "software"]
    else:
        eq, sym = rng.choice(ZH_EQUIPMENT), rng.choice(ZH_SYMPTOMS)
        cause, method = rng.choice(ZH_CAUSES), rng.choice(ZH_METHODS)
        title = f"{eq}{sym}的处理"
        body = (f"## 现象\n\n{rng.choice(SITES)}办税大厅 {rng.randint(1, 30)} 号窗口的{eq}{sym}，"
                f"错误代码 {code}。\n\n## 原因\n\n{cause}。\n\n## 处理方法\n\n{method}，"
                f"并检查{rng.choice(ZH_EQUIPMENT)}。")
        if upgraded:
            body += f"升级到 {version} 版后请组织操作人员培训。"
        tags = [eq.replace(" ", ""), "硬件" if n % 2 else "软件"]
    return {"title": title, "body": body, "kind": "case" if n % 4 == 0 else "faq",
            "tags": tags, "applies_to": version if upgraded else None}  # fmt: skip


def build(db_path: Path, count: int) -> None:
    """The demo database plus `count` articles, logged and indexed in one transaction."""
    sys.path.insert(0, str(ROOT))
    import orjson

    from svcdesk import clock, ids
    from svcdesk.services import kb
    from svcdesk.services.session import open_database
    from svcdesk.store import kb as kb_store
    from svcdesk.store.schema import ArticleRow

    subprocess.run(svcdesk("--db", str(db_path), "init", "--demo"), env=env(), check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    db = open_database(str(db_path))
    rng = random.Random(13)
    now = clock.to_epoch(clock.now())
    start = time.perf_counter()
    with db.write() as tx:
        made = []
        for n in range(count):
            a = article(rng, n)
            row = ArticleRow(id=ids.uuid7(), ref=f"{db.replica_code}-K{n + 1}", kind=str(a["kind"]),
                             title=str(a["title"]), body=str(a["body"]),
                             tags=orjson.dumps([kb.tag_name(t) for t in a["tags"]]).decode(),
                             tickets="[]", applies_to=a["applies_to"],  # type: ignore[arg-type]
                             created_at=now - (count - n) * 60, updated_at=now - (count - n) * 60)
            tx.insert("article", {c: getattr(row, c) for c in ArticleRow.COLUMNS})
            made.append(row.id)
            if len(made) == 5000:
                kb_store.reindex(tx.conn, made)
                made = []
                print(f"#   {n + 1:,} articles, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
        kb_store.reindex(tx.conn, made)
        tx.conn.execute("UPDATE svcdesk_meta SET value = :v WHERE key = 'seq.article'",
                        {"v": str(count)})  # fmt: skip
    db.close()
    print(f"# built {count:,} articles in {time.perf_counter() - start:.0f} s", flush=True)


def query_times(db_path: Path, rounds: int) -> dict[str, tuple[float, int]]:
    """Median milliseconds of each query in this process, and how many articles it found."""
    sys.path.insert(0, str(ROOT))
    from svcdesk.services import kb
    from svcdesk.services.session import open_database

    db = open_database(str(db_path))
    out = {}
    for q in QUERIES:
        total = kb.search(db, q)["total"]  # warm-up
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            kb.search(db, q)
            times.append((time.perf_counter() - start) * 1000)
        out[q] = (statistics.median(times), total)
    db.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--keep", metavar="DIR", help="keep (or reuse) the database in DIR")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="svcdesk-bench-kb-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"kb{args.articles}.db"
    if not db.exists():
        build(db, args.articles)
    size = db.stat().st_size / 2**20
    print(f"# {args.articles:,} articles, {size:.0f} MiB, in {work}")
    ok = True
    rows = []
    for q, (ms, total) in query_times(db, args.rounds).items():
        print(f"# query {q!r:<28} {ms:7.1f} ms  ({total:,} articles match)")
        rows.append((f"query time, {q} (ms / {QUERY_LIMIT_MS:.0f} ms)", ms / QUERY_LIMIT_MS, 1.0))
    ok &= report(rows)
    commands = {"ticket show": svcdesk("--db", str(db), "ticket", "show", "1")}
    for q in COMMAND_QUERIES:
        commands[f"kb search {q}"] = svcdesk("--db", str(db), "kb", "search", *q.split())
    t = measure(commands, rounds=args.rounds)
    for name, secs in t.items():
        print(f"# {name:<56} {secs * 1000:8.1f} ms (median)")
    ok &= report([(f"{name} / ticket show", secs / t["ticket show"], COMMAND_RATIO)
                  for name, secs in t.items() if name != "ticket show"])  # fmt: skip
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
