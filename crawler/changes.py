"""What a crawl concludes about a portal's reports, from its captures, once, at the end: 'new'
(first seen, or back), 'changed' (other bytes at the same URL), 'removed' (404/410, or no longer
listed — said only when the portal's list was read to its end) and 'moved' (the same bytes now at
another URL of the same portal: a new domain, scheme or port; one document, never "removed +
new").

The one-machine crawl concludes when its spider closes (crawler/report.py); a crawl on Scrapyd
nodes concludes on the head once every node's captures are merged (crawler/nodes.py) — a node's
store is fresh and knows no history. Both call conclude(): the same rules on the same rows.
"""

from __future__ import annotations

from crawler.failures import kind_of

CUTS = ("depth_limit", "page_limit")


def track(store, crawl_id: str, portal: str) -> None:
    """new / changed / removed (a 404 or 410) from the crawl's captures of report pages and
    documents, in capture order, against what the archive knew before this crawl. Worked out
    from scratch each time (the crawl's earlier events are dropped first): a resumed crawl, or a
    merge run twice, concludes the same."""
    with store.db.conn:
        store.db.execute(
            "delete from change_events where crawl_id = ? and portal = ?", [crawl_id, portal]
        )
    live = store.live_report_urls(portal)
    rows = store.db.query(
        "select final_url, status, sha256, is_report from captures where crawl_id = ? and "
        "portal = ? and kind in ('detail', 'attachment') order by id",
        [crawl_id, portal],
    )
    for c in rows:
        url, status, sha = c["final_url"], c["status"], c["sha256"]
        if status in (404, 410):
            if url in live:
                store.record_event(
                    crawl_id,
                    portal,
                    url,
                    "removed",
                    old_sha256=live.pop(url),
                    detail=f"http {status}",
                )
            continue
        if not c["is_report"]:
            continue
        if status == 304:  # the body of the last whole capture, unchanged
            if url in live:
                continue
            last = store.last_capture(url, before_crawl=crawl_id)
            sha = last and last["sha256"]
            if not sha:
                continue
        if url not in live:
            old = store.last_report_sha(url, crawl_id)
            store.record_event(
                crawl_id,
                portal,
                url,
                "new",
                old_sha256=old,
                new_sha256=sha,
                detail="reappeared" if old else None,
            )
        elif live[url] != sha:
            store.record_event(
                crawl_id, portal, url, "changed", old_sha256=live[url], new_sha256=sha
            )
        live[url] = sha


def incomplete(
    store, crawl_id: str, portal: str, figures: dict | None = None, columns=None
) -> str | None:
    """Why this crawl did not read the portal's list to its end, or None if it did. A column
    whose list script declared more records (or pages) than its list gave was not read to its
    end either (`columns`: crawler/families/columns.py)."""
    why = []
    rows = store.db.query(
        "select kind, status, error, count(*) as n from captures where crawl_id = ? and "
        "portal = ? and (error is not null or (kind = 'list' and status not in (200, 304))) "
        "group by 1, 2, 3",
        [crawl_id, portal],
    )
    failed, cut = {}, {}
    for r in rows:
        kind = kind_of(r["error"]) or f"http_{r['status']}"
        if kind in CUTS:
            cut[kind] = cut.get(kind, 0) + r["n"]
        elif r["kind"] == "list" or kind == "blocked":
            failed[kind] = failed.get(kind, 0) + r["n"]
    for kind, n in sorted(cut.items()):
        limit = "DEPTH_LIMIT" if kind == "depth_limit" else "OGI_MAX_LIST_PAGES"
        why.append(f"{n} request{'s' if n > 1 else ''} cut by {limit}")
    if failed:
        why.append(
            "list pages not read: " + ", ".join(f"{k} {n}" for k, n in sorted(failed.items()))
        )
    fig = (figures or {}).get(portal, {})
    unreadable = sorted(k.split(":", 1)[1] for k in fig if k.startswith("unreadable:"))
    if unreadable:  # a family adapter could not read a list page it got
        why.append("list not readable: " + ", ".join(unreadable))
    if fig.get("list_failed") and not failed:
        why.append(f"{fig['list_failed']} list page(s) unusable")
    short = columns.short(portal) if columns is not None else []
    if short:
        why.append(
            f"{len(short)} column{'s' if len(short) > 1 else ''} read short of "
            "the size its list script declares"
        )
    return "; ".join(why) or None


def record_unlisted(store, crawl_id: str, portal: str) -> int:
    """Reports known before that this crawl did not reach: 'removed' (no longer listed) —
    except a document whose page (its referer) could not be read this time: unknown."""
    q = store.db.query
    seen = {
        r["u"]
        for r in q(
            "select final_url as u from captures where crawl_id = ? and portal = ? "
            "union select url from captures where crawl_id = ? and portal = ?",
            [crawl_id, portal, crawl_id, portal],
        )
    }
    unread = {
        r["u"]
        for r in q(
            "select final_url as u from captures where crawl_id = ? and portal = ? and "
            "error is not null and error not in ('http_404', 'http_410') union "
            "select url from captures where crawl_id = ? and portal = ? and error is not null "
            "and error not in ('http_404', 'http_410')",
            [crawl_id, portal, crawl_id, portal],
        )
    }
    n = 0
    for url, sha in store.live_report_urls(portal).items():
        if url in seen:
            continue
        page = next(
            iter(
                q(
                    "select referer from captures where final_url = ? and referer is not "
                    "null order by id desc limit 1",
                    [url],
                )
            ),
            {},
        ).get("referer")
        if page in unread:
            continue
        store.record_event(
            crawl_id, portal, url, "removed", old_sha256=sha, detail="no longer listed"
        )
        n += 1
    return n


def pair_moves(store, crawl_id: str, portal: str) -> int:
    """Turn each 'removed' of this crawl whose bytes are live at another URL of the portal
    into one 'moved' event (on the new URL, from_url the old one)."""
    db = store.db
    events = store.events(crawl_id, portal)
    new_here = {}
    for e in events:
        if e["event"] == "new" and e["new_sha256"]:
            new_here.setdefault(e["new_sha256"], []).append(e)
    moved = 0
    for e in events:
        if e["event"] != "removed" or not e["old_sha256"]:
            continue
        sha = e["old_sha256"]
        if new_here.get(sha):  # a 'new' of this crawl: it becomes the move
            target = new_here[sha].pop(0)
            db["change_events"].update(
                target["id"],
                {
                    "event": "moved",
                    "from_url": e["url"],
                    "old_sha256": sha,
                    "detail": f"moved from {e['url']}",
                },
            )
            db["change_events"].delete(e["id"])
        else:
            live = store.live_report_urls(portal)
            others = [u for u, s in live.items() if s == sha and u != e["url"]]
            if not others:
                continue
            db["change_events"].update(
                e["id"],
                {
                    "event": "moved",
                    "url": others[0],
                    "from_url": e["url"],
                    "new_sha256": sha,
                    "detail": f"moved from {e['url']}",
                },
            )
        moved += 1
    return moved


def conclude(
    store, crawl_id: str, portals, figures: dict | None = None, finished: bool = True, columns=None
) -> None:
    """Every event of the crawl, for each portal: new, changed and removed (404/410) from its
    captures; when the crawl finished, also 'removed' for what is no longer listed (only where
    the list was read to its end) and 'moved'. figures: the spider's counts per portal (list
    pages it could not read); columns: what each column declared and gave
    (crawler/families/columns.py)."""
    with store.batch():  # one commit for all of them (they are worked out again on resume)
        for name in portals:
            track(store, crawl_id, name)
            if not finished:
                continue
            if incomplete(store, crawl_id, name, figures, columns) is None:
                record_unlisted(store, crawl_id, name)
            pair_moves(store, crawl_id, name)
