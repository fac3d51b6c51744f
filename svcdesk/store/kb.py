"""The knowledge base: the rows of `article`, and its search index (`kb_doc`, `kb_token`).

An article is mutable per field (synced per field like a visit); `tags` and `tickets` are JSON
lists. Its ref is `CODE-Kn`, numbered per replica like visits'.

The index is derived state, this replica's own and never synced: `reindex` rebuilds an
article's entries from its row. The one writer of derived state (services/derived.py) calls it
when a transaction that wrote articles settles: a command's, a sync's, `sync keep`'s. Each
article has a number in the index, `doc`: 63 bits of its id (the id's
milliseconds and randomness), so results that score alike list in the same order on every
replica and on PostgreSQL (newest id first); two ids that share those bits (never seen in
practice) take the next free number. Postings are (token, doc, weight), one clustered key; the
tokens and weights come from `domain.search`, so SQLite and PostgreSQL hold the same rows and
sum the same integers. Every statement here is the same text on both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import orjson

from svcdesk.domain import search
from svcdesk.store import meta, refs
from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import ArticleRow
from svcdesk.store.sql import Conn, in_list

_ARTICLE = select_list(ArticleRow.COLUMNS)
_LISTED = select_list(ArticleRow.COLUMNS, "a")
REF_PATTERN = meta.REFS["article"]  # CODE-Kn
TABLE = "article"


# --------------------------------------------------------------------------------------------
# Articles


def next_ref(tx: Tx, code: str) -> str:
    """The next free article ref for the replica with this code (`KQ7M-K3`), skipping any ref
    this database knows (an article's, or an old name)."""
    while True:
        ref = REF_PATTERN.format(code=code, n=tx.next_counter(TABLE))
        if not meta.ref_taken(tx.conn, TABLE, ref):
            return ref


def find(conn: Conn, typed: str, *, replica_code: str) -> ArticleRow:
    """The article a person names: its ref (KQ7M-K3), its number here (3), or a unique prefix
    of its ref or id."""
    return refs.resolve(conn, ArticleRow, typed, what="article", local=f"{replica_code}-K%d")


def by_id(conn: Conn, article_id: str) -> ArticleRow | None:
    row = conn.execute(f"SELECT {_ARTICLE} FROM article WHERE id = :i", {"i": article_id}).first()
    return ArticleRow(*row) if row else None


def insert(tx: Tx, article: ArticleRow) -> None:
    tx.insert(TABLE, {c: getattr(article, c) for c in ArticleRow.COLUMNS})
    # its index entries: written by the one writer of derived state, at the commit


def update(tx: Tx, article_id: str, changes: dict[str, Any]) -> None:
    """Write some fields of an article (each syncs on its own; concurrent writes of one field:
    `sync conflicts`); its index entries follow at the commit, as any write's."""
    tx.update(TABLE, article_id, changes)


def listing(conn: Conn, *, kind: str | None = None, tag: str | None = None,
            batch: int = 2000) -> Iterator[ArticleRow]:  # fmt: skip
    """Articles, most recently updated first (ties: newest id first), of one kind, with one tag
    (as stored: normalised), streamed."""
    params: dict[str, Any] = {}
    where = []
    if kind is not None:
        where.append("a.kind = :k")
        params["k"] = kind
    if tag is not None:  # the tag's JSON string inside the list, then checked exactly
        where.append("a.tags LIKE :t ESCAPE '\\'")
        params["t"] = "%" + _like_escaped(orjson.dumps(tag).decode()) + "%"
    clause = " WHERE " + " AND ".join(where) if where else ""
    sql = f"SELECT {_LISTED} FROM article a{clause} ORDER BY a.updated_at DESC, a.id DESC"
    for rows in conn.execute(sql, params).batches(batch):
        for r in rows:
            article = ArticleRow(*r)
            if tag is None or tag in orjson.loads(article.tags):
                yield article


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tags_in_use(conn: Conn) -> list[str]:
    """Every tag some article has, sorted by code point."""
    found: set[str] = set()
    for rows in conn.execute("SELECT tags FROM article").batches(5000):
        for (text,) in rows:
            found.update(orjson.loads(text))
    return sorted(found)


def count(conn: Conn) -> int:
    return int(conn.execute("SELECT count(*) FROM article").scalar() or 0)


# Sync (sync/engine.py): one ref handed out twice under one identity, as field.py does it.


def ref_holders(conn: Conn, table: str, wanted: list[str]) -> dict[str, str]:
    """Ref -> the id of the article that holds it, for those held."""
    _check_table(table)
    out: dict[str, str] = {}
    for marks, params in in_list(sorted(set(wanted))):
        rows = conn.execute(f"SELECT ref, id FROM article WHERE ref IN ({marks})", params).all()
        out.update((str(r), str(i)) for r, i in rows)
    return out


def set_ref(conn: Conn, table: str, row_id: str, ref: str) -> None:
    """Give an article another ref (not logged: every replica does the same)."""
    _check_table(table)
    conn.execute("UPDATE article SET ref = :r WHERE id = :i", {"r": ref, "i": row_id})


def _check_table(table: str) -> None:
    if table != TABLE:
        raise ValueError(f"{table!r} is not the article table")


# --------------------------------------------------------------------------------------------
# The search index


def doc_number(article_id: str) -> int:
    """An article's number in the index: the first 63 bits of its id (for a v7 id, its
    milliseconds, then randomness), so numbers order as ids do."""
    return int(article_id.replace("-", "")[:16], 16) >> 1


def reindex(conn: Conn, article_ids: Iterable[str]) -> None:
    """Rebuild the index entries of these articles from their rows (an id with no row: its
    entries go). The one writer of the index."""
    wanted = sorted(set(article_ids))
    for start in range(0, len(wanted), 500):
        _reindex_chunk(conn, wanted[start : start + 500])


def _reindex_chunk(conn: Conn, ids: list[str]) -> None:
    articles: dict[str, ArticleRow] = {}
    docs: dict[str, tuple[int, str]] = {}
    for marks, params in in_list(ids):
        rows = conn.execute(f"SELECT {_ARTICLE} FROM article WHERE id IN ({marks})", params)
        for r in rows.all():
            a = ArticleRow(*r)
            articles[a.id] = a
        sql = f"SELECT article_id, doc, tokens FROM kb_doc WHERE article_id IN ({marks})"
        for article_id, doc, tokens in conn.execute(sql, params).all():
            docs[str(article_id)] = (int(doc), str(tokens))
    held_before, change = indexed(conn), 0
    gone: list[dict[str, Any]] = []
    for doc, tokens in docs.values():
        gone += [{"t": t, "d": doc} for t in tokens.split(" ") if t]
    if gone:
        conn.executemany("DELETE FROM kb_token WHERE token = :t AND doc = :d", gone)
    postings: list[dict[str, Any]] = []
    for article_id in ids:
        article = articles.get(article_id)
        held = docs.get(article_id)
        if article is None:
            if held is not None:
                conn.execute("DELETE FROM kb_doc WHERE article_id = :a", {"a": article_id})
                change -= 1
            continue
        weights = search.weights(article.title, article.body, orjson.loads(article.tags))
        listed = " ".join(sorted(weights))
        if held is None:
            doc = _free_doc(conn, doc_number(article_id))
            conn.execute("INSERT INTO kb_doc (doc, article_id, tokens) VALUES (:d, :a, :t)",
                         {"d": doc, "a": article_id, "t": listed})  # fmt: skip
            change += 1
        else:
            doc = held[0]
            conn.execute("UPDATE kb_doc SET tokens = :t WHERE doc = :d", {"t": listed, "d": doc})
        postings += [{"token": t, "doc": doc, "weight": w} for t, w in sorted(weights.items())]
    conn.insert_many("kb_token", ("token", "doc", "weight"), postings)
    if change:
        meta.put(conn, {COUNTED: str(held_before + change)})


def _free_doc(conn: Conn, doc: int) -> int:
    while conn.execute("SELECT 1 FROM kb_doc WHERE doc = :d", {"d": doc}).first() is not None:
        doc = (doc + 1) % (1 << 63)
    return doc


def reindex_all(conn: Conn) -> int:
    """Rebuild the whole index from the articles (a new tokenizer, a bulk load); returns how
    many articles it holds."""
    conn.execute("DELETE FROM kb_token")
    conn.execute("DELETE FROM kb_doc")
    meta.put(conn, {COUNTED: "0"})
    ids = [str(i) for (i,) in conn.execute("SELECT id FROM article ORDER BY id").all()]
    reindex(conn, ids)
    return len(ids)


_JOINED = 32  # queries of more terms (a long sentence of Chinese) are summed per article


class Hit(NamedTuple):
    """An article the query found, and its score (an integer: higher ranks first)."""

    article: ArticleRow
    score: int


COUNTED = "kb.articles"  # svcdesk_meta: how many articles the index holds (kept by `reindex`)


def indexed(conn: Conn) -> int:
    """How many articles the index holds (BM25's N), as `reindex` counted them."""
    value = meta.get(conn, COUNTED)
    if value is None or not value.isdigit():
        return int(conn.execute("SELECT count(*) FROM kb_doc").scalar() or 0)
    return int(value)


def _match(term: search.Term, n: int, params: dict[str, Any]) -> str:
    """The SQL condition a posting's token meets for `term` (parameters added to `params`)."""
    if term.prefix:
        lo, hi = search.prefix_range(term)
        params[f"lo{n}"], params[f"hi{n}"] = lo, hi
        return f"(token >= :lo{n} AND token < :hi{n})"
    params[f"t{n}"] = term.token
    return f"token = :t{n}"


def frequencies(conn: Conn, terms: Sequence[search.Term]) -> list[int]:
    """How many articles hold each term."""
    out = []
    for term in terms:
        params: dict[str, Any] = {}
        cond = _match(term, 0, params)
        what = "count(DISTINCT doc)" if term.prefix else "count(*)"
        out.append(int(conn.execute(f"SELECT {what} FROM kb_token WHERE {cond}", params).scalar()))
    return out


def search_docs(conn: Conn, terms: Sequence[search.Term], *, limit: int | None
                ) -> tuple[list[Hit], int]:  # fmt: skip
    """The articles that hold every term, best first, at most `limit` of them, and how many
    there are in all. An article's score is the sum over the terms of the term's idf times
    its weight in the article (a one-character term: the weights of the tokens it begins);
    ties: the newest article first. Integers throughout: the same on every database."""
    n = indexed(conn)
    cap = f" LIMIT {int(limit)}" if limit is not None else ""
    params: dict[str, Any] = {}
    conds = [_match(t, i, params) for i, t in enumerate(terms)]
    if len(terms) == 1:
        # one term: its idf is one factor, so the order is its weight's; how many articles
        # hold it comes with the rows
        summed = "sum(weight)" if terms[0].prefix else "weight"
        grouped = " GROUP BY doc" if terms[0].prefix else ""
        sql = (f"SELECT doc, {summed} AS w, count(*) OVER () FROM kb_token WHERE {conds[0]}"
               f"{grouped} ORDER BY w DESC, doc DESC{cap}")  # fmt: skip
        rows = conn.execute(sql, params).all()
        total = int(rows[0][2]) if rows else 0
        factor = search.idf(total, n)
        scored = [(int(d), int(w) * factor) for d, w, _ in rows]
        return _hits(conn, scored), total
    dfs = frequencies(conn, terms)
    if min(dfs) == 0:
        return [], 0
    for i, df in enumerate(dfs):
        params[f"i{i}"] = search.idf(df, n)
    if all(not t.prefix for t in terms) and len(terms) <= _JOINED:
        # every other term looked up by key for each article of the rarest: the work grows
        # with the rarest term's articles, not with the sum of every term's
        order = sorted(range(len(terms)), key=lambda i: (dfs[i], i))
        joins = " ".join(f"JOIN kb_token p{k} ON p{k}.token = :t{i} AND p{k}.doc = p0.doc"
                         for k, i in enumerate(order[1:], 1))  # fmt: skip
        score = " + ".join(f"p{k}.weight * :i{i}" for k, i in enumerate(order))
        sql = (f"SELECT p0.doc, {score} AS score, count(*) OVER () FROM kb_token p0 {joins} "
               f"WHERE p0.token = :t{order[0]} ORDER BY score DESC, p0.doc DESC{cap}")  # fmt: skip
    else:  # a one-character term stands for a range of tokens: add them up per article
        idf_of = " ".join(f"WHEN {c} THEN :i{i}" for i, c in enumerate(conds))
        term_of = " ".join(f"WHEN {c} THEN {i}" for i, c in enumerate(conds))
        sql = (
            f"SELECT doc, sum(weight * CASE {idf_of} END) AS score, count(*) OVER () "
            f"FROM kb_token WHERE {' OR '.join(conds)} GROUP BY doc "
            f"HAVING count(DISTINCT CASE {term_of} END) = {len(terms)} "
            f"ORDER BY score DESC, doc DESC{cap}"
        )
    rows = conn.execute(sql, params).all()
    total = int(rows[0][2]) if rows else 0
    return _hits(conn, [(int(d), int(s)) for d, s, _ in rows]), total


def _hits(conn: Conn, scored: list[tuple[int, int]]) -> list[Hit]:
    found = _articles_of(conn, [d for d, _ in scored])
    return [Hit(found[d], s) for d, s in scored if d in found]


def _articles_of(conn: Conn, docs: list[int]) -> dict[int, ArticleRow]:
    out: dict[int, ArticleRow] = {}
    for start in range(0, len(docs), 500):
        chunk = docs[start : start + 500]
        marks = ", ".join(f":d{n}" for n in range(len(chunk)))
        params = {f"d{n}": d for n, d in enumerate(chunk)}
        rows = conn.execute(
            f"SELECT d.doc, {_LISTED} FROM kb_doc d JOIN article a ON a.id = d.article_id "
            f"WHERE d.doc IN ({marks})",
            params,
        ).all()
        out.update((int(r[0]), ArticleRow(*r[1:])) for r in rows)
    return out
