"""A crawl on several machines: `ogi crawl --nodes URL,URL…` on the head, Scrapyd on each node.

1. The code goes to every node as a Scrapyd project (crawler/deploy.py).
2. The registry is cut into shards, every portal of one host in one shard (crawler/shards.py);
   each shard is a Scrapyd job (schedule.json) of the one spider, which writes a node store of
   its own (crawler/node_store.py).
3. The head follows the jobs (listjobs.json, and each running job's progress.json). A job that
   ends with a manifest saying `finished` is merged into the archive at once
   (archive/collect.py: bodies it lacks, capture rows, the WARC). A job that ends otherwise, or
   a node that does not answer for `node_timeout` seconds, fails: the shard is scheduled again
   on the live node with fewest portals (up to `max_attempts` times per shard). What a failed
   attempt captured is never merged, so no fetch is counted twice.
4. When every shard is merged, the head concludes the change events from the merged captures
   with the same rules as one machine (crawler/changes.py), writes the crawl report (with a
   `nodes` part naming any node that failed) and the crawl's WACZ.

The ledger of jobs is the archive's crawl_jobs table: `ogi crawl --resume` follows a crawl again
after the head itself stopped, and `ogi collect` merges what the nodes have finished.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

from archive.captures import CaptureStore, default_archive, now
from archive.collect import CollectError, merge_job, read_manifest, redact
from crawler import settings as defaults
from crawler.node_store import PROGRESS, columns_from, pack
from crawler.run import CrawlError, log_path, new_crawl_id, select_portals, user_agent
from crawler.scrapyd_api import Node, NodeError
from crawler.shards import assign, domains, plan

ACTIVE = ("scheduled", "finished")  # a job the head still waits for or has still to merge


def job_id(crawl_id: str, shard: int, attempt: int) -> str:
    return f"{crawl_id}-s{shard}-a{attempt}"


class Head:
    """One crawl's jobs on the nodes, followed to the end."""

    def __init__(
        self,
        store: CaptureStore,
        crawl_id: str,
        nodes: list[Node],
        options: dict,
        node_timeout: float = 60.0,
        max_attempts: int = 3,
        poll: float = 2.0,
        out=None,
    ):
        self.store, self.crawl_id, self.options = store, crawl_id, options
        self.nodes = {n.name: n for n in nodes}
        self.node_timeout, self.max_attempts, self.poll = node_timeout, max_attempts, poll
        self.out = out
        self.seen = {n: time.monotonic() for n in self.nodes}  # last answer of each node
        self.dead: dict[str, str] = dict(options.get("dead_nodes", {}))  # node → why
        self.absent: dict[str, float] = {}  # job → since when its node does not list it
        self.merge_errors: Counter = Counter()  # job → merges that failed
        self.shown: dict[str, str] = {}
        self.started = time.monotonic()
        self.versions: dict[str, str] = {}
        self.log = log_path(store.root, crawl_id)
        self.log.parent.mkdir(exist_ok=True)

    # -- what happened, for the operator -------------------------------------------------
    def say(self, msg: str) -> None:
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"{now()} {msg}\n")
        if self.out:
            self.out(f"[{time.monotonic() - self.started:6.1f} s] {msg}")

    # -- the ledger ----------------------------------------------------------------------
    def jobs(self, states=None) -> list[dict]:
        rows = self.store.db.query(
            "select * from crawl_jobs where crawl_id = ? order by shard, attempt", [self.crawl_id]
        )
        return [r for r in rows if states is None or r["state"] in states]

    def live(self) -> list[str]:
        return [n for n in self.nodes if n not in self.dead]

    def load(self) -> dict[str, int]:
        out: Counter = Counter()
        for j in self.jobs(ACTIVE):
            out[j["node"]] += len(json.loads(j["portals"]))
        return out

    # -- scheduling ----------------------------------------------------------------------
    def remember(self) -> None:
        """The crawl's options, with the registry's hosts and the nodes found dead, kept in
        its crawl_runs row (for --resume and ogi collect)."""
        self.options["dead_nodes"] = self.dead
        self.store.db["crawl_runs"].update(
            self.crawl_id, {"options": json.dumps(self.options, ensure_ascii=False)}
        )

    def start(self, shards: list[list], registry: list[str]) -> None:
        self.options["registry"] = pack(registry)
        self.remember()
        for shard, (portals, node) in enumerate(
            zip(shards, assign(shards, self.live()), strict=True), 1
        ):
            self.schedule(shard, 1, [p.as_dict() for p in portals], node)

    def schedule(self, shard: int, attempt: int, portals: list[dict], node: str) -> None:
        job = job_id(self.crawl_id, shard, attempt)
        names = [p["name"] for p in portals]
        self.store.db["crawl_jobs"].insert(
            {
                "id": job,
                "crawl_id": self.crawl_id,
                "shard": shard,
                "attempt": attempt,
                "node": node,
                "portals": json.dumps(names, ensure_ascii=False),
                "state": "scheduled",
                "scheduled_at": now(),
                "version": self.versions.get(node),
            },
            replace=True,
        )
        args = {
            "portals": pack(portals),
            "crawl_id": self.crawl_id,
            "shard": str(shard),
            "registry": self.options["registry"],
        }
        try:
            self.nodes[node].schedule(job, self.versions[node], args, self.options["node_settings"])
        except NodeError as e:
            self.fail(self.store.db["crawl_jobs"].get(job), f"could not schedule: {e}")
            return
        self.say(f"{node}: shard {shard} ({len(names)} portals) scheduled as job {job}")

    def fail(self, job: dict, why: str) -> None:
        """This attempt failed: on to another node, if attempts and live nodes remain."""
        self.store.db["crawl_jobs"].update(
            job["id"], {"state": "failed", "detail": why, "ended_at": now()}
        )
        self.say(f"{job['node']}: shard {job['shard']} (job {job['id']}) failed: {why}")
        node = self.nodes.get(job["node"])
        if node and job["node"] not in self.dead:
            try:  # it may still be running there (a node that came back): stop it
                node.cancel(job["id"])
            except NodeError:
                pass
        portals = self.portals_of(job)
        live = self.live()
        if job["attempt"] >= self.max_attempts or not live:
            self.say(
                f"shard {job['shard']} given up after {job['attempt']} attempt(s)"
                + ("" if live else ": no live node left")
            )
            return
        others = [n for n in live if n != job["node"]] or live
        target = assign([portals], others, self.load())[0]
        self.say(f"shard {job['shard']} rescheduled on {target}")
        self.schedule(job["shard"], job["attempt"] + 1, portals, target)

    def revive(self) -> None:
        """Shards left with neither a job to wait for nor a merged one (the head stopped
        between a failure and the next attempt): their next attempt."""
        latest: dict[int, dict] = {}
        for j in self.jobs():
            latest[j["shard"]] = j
        for j in latest.values():
            if j["state"] == "failed" and j["attempt"] < self.max_attempts and self.live():
                target = assign([self.portals_of(j)], self.live(), self.load())[0]
                self.schedule(j["shard"], j["attempt"] + 1, self.portals_of(j), target)

    def portals_of(self, job: dict) -> list[dict]:
        names = json.loads(job["portals"])
        entries = {p["name"]: p for p in self.options["entries"]}
        return [entries[n] for n in names]

    # -- following -----------------------------------------------------------------------
    def follow(self) -> None:
        self.revive()
        while self.jobs(ACTIVE):
            for name, jobs in self.by_node().items():
                self.check(name, jobs)
            if self.jobs(ACTIVE):
                time.sleep(self.poll)

    def by_node(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        for j in self.jobs(ACTIVE):
            out[j["node"]].append(j)
        return out

    def check(self, name: str, jobs: list[dict]) -> None:
        node = self.nodes.get(name)
        if node is None:  # a node of an earlier run of the head that was not given again
            node = self.nodes[name] = Node(name)
            self.seen[name] = time.monotonic()
        try:
            listed = node.jobs()
        except NodeError as e:
            quiet = time.monotonic() - self.seen[name]
            if quiet > self.node_timeout:
                self.dead[name] = f"no answer for {quiet:.0f} s ({e})"
                self.remember()
                self.say(f"{name}: node failed — {self.dead[name]}")
                for j in jobs:
                    self.fail(j, f"node {name} failed: {self.dead[name]}")
            return
        self.seen[name] = time.monotonic()
        for j in jobs:
            state = listed.get(j["id"], {}).get("state")
            if j["state"] == "scheduled" and state in ("pending", "running"):
                self.absent.pop(j["id"], None)
                self.show(j, state)
                continue
            try:
                self.settle(node, j, state)
            except CollectError as e:  # a node that blinked: try again, twice
                self.merge_errors[j["id"]] += 1
                self.say(f"{name}: shard {j['shard']}: {e}")
                if self.merge_errors[j["id"]] >= 3:
                    self.fail(j, f"could not merge its store: {e}")

    def settle(self, node: Node, job: dict, state: str | None) -> None:
        """A job the node no longer runs: merge it if it finished, else fail it."""
        source = node.store(job["id"])
        manifest = read_manifest(source)
        if manifest is None or manifest.get("job") != job["id"]:
            if state is None:  # not listed: give Scrapyd a moment (its queue), then fail
                since = self.absent.setdefault(job["id"], time.monotonic())
                if time.monotonic() - since < self.node_timeout:
                    return
                self.fail(job, "the node no longer knows the job (Scrapyd restarted?)")
            else:
                self.fail(
                    job,
                    "the crawl process ended without a manifest (killed or "
                    f"crashed){self.log_tail(node, job)}",
                )
            return
        if manifest["status"] != "finished":
            self.fail(job, f"the crawl ended {manifest['status']}{self.log_tail(node, job)}")
            return
        self.store.db["crawl_jobs"].update(job["id"], {"state": "finished"})
        t = time.monotonic()
        done = merge_job(self.store, job, source)
        self.say(
            f"{node.name}: shard {job['shard']} finished, merged: {done['captures']} "
            f"captures, {done['warc_end'] - done['warc_start']} WARC bytes in "
            f"{time.monotonic() - t:.1f} s"
        )
        log = node.log(job["id"])
        if log is not None:
            path = self.log.parent / self.crawl_id / f"{job['id']}.log"
            path.parent.mkdir(exist_ok=True)
            path.write_text(log, encoding="utf-8")

    def log_tail(self, node: Node, job: dict) -> str:
        log = node.log(job["id"]) or ""
        errors = [ln for ln in log.splitlines() if " ERROR: " in ln or "Error" in ln]
        return f"; its log: {errors[-1][-300:]}" if errors else ""

    def show(self, job: dict, state: str) -> None:
        line = f"{job['node']}: shard {job['shard']} {state}"
        if state == "running":
            try:
                raw = self.nodes[job["node"]].store(job["id"]).read(PROGRESS)
            except CollectError:
                raw = None
            if raw:
                p = json.loads(raw)
                line += (
                    f" · {p['responses']} responses · {p['details'] + p['attachments']} "
                    f"report pages and documents · {p['stored']} stored"
                )
        if self.shown.get(job["id"]) != line:
            self.shown[job["id"]] = line
            self.say(line)

    # -- the end -------------------------------------------------------------------------
    def conclude(self) -> dict:
        """Events from the merged captures, the report across nodes, the WACZ."""
        from crawler.changes import conclude
        from crawler.report import build_report

        names = [p["name"] for p in self.options["entries"]]
        figures: dict[str, Counter] = defaultdict(Counter)
        robots: dict[str, str] = {}
        done: set[str] = set()
        books: list[dict] = []
        for j in self.jobs(("collected",)):
            m = json.loads(j["manifest"])
            for portal, fig in m.get("figures", {}).items():
                figures[portal].update(fig)
            robots.update(m.get("robots_unreachable") or {})
            books.append(m.get("columns") or {})
            done |= set(m["portals"])
        columns = columns_from(books)
        conclude(
            self.store, self.crawl_id, [n for n in names if n in done], figures, columns=columns
        )
        report = build_report(self.store, self.crawl_id, names, figures, robots, columns)
        lost = [n for n in names if n not in done]
        for n in lost:
            report["portals"][n]["alert"] = "not crawled: its shard failed on every attempt"
            report["portals"][n].pop("note", None)
        report["alerts"] = [n for n, f in report["portals"].items() if f.get("alert")]
        report["nodes"] = self.node_report()
        report["failed_nodes"] = sorted(self.dead)
        status = "finished" if not lost else "failed"
        wacz = str(self.options.get("settings", {}).get("OGI_WACZ", True)).lower()
        if (
            status == "finished"
            and self.store.warc.path(self.crawl_id).exists()
            and wacz not in ("false", "0")
        ):
            from crawler.report import CrawlRun

            report["wacz"] = CrawlRun._wacz(self.store, self.crawl_id)
        stats = {
            "elapsed_time_seconds": round(time.monotonic() - self.started, 1),
            "jobs": len(self.jobs()),
            "dead_nodes": self.dead,
        }
        self.store.finish_run(self.crawl_id, status, stats, report)
        self.say(
            f"crawl {self.crawl_id} {status}: {len(done)} of {len(names)} portals from "
            f"{len(self.jobs(('collected',)))} jobs"
            + (f"; failed nodes: {', '.join(sorted(self.dead))}" if self.dead else "")
        )
        report["status"] = status
        return report

    def node_report(self) -> dict:
        out: dict = {}
        for j in self.jobs():
            n = out.setdefault(
                j["node"], {"jobs": 0, "merged": 0, "portals": 0, "captures": 0, "failed_jobs": []}
            )
            n["jobs"] += 1
            if j["state"] == "collected":
                n["merged"] += 1
                n["portals"] += len(json.loads(j["portals"]))
                n["captures"] += j["captures"] or 0
            elif j["state"] == "failed":
                n["failed_jobs"].append({"job": j["id"], "shard": j["shard"], "why": j["detail"]})
        for name, why in self.dead.items():
            out.setdefault(
                name, {"jobs": 0, "merged": 0, "portals": 0, "captures": 0, "failed_jobs": []}
            )["failed"] = why
        return out


def crawl_on_nodes(
    nodes: list[str],
    sources: str | Path = "sources",
    archive: str | Path | None = None,
    portals: list[str] | None = None,
    resume: bool | str = False,
    fast: bool = False,
    overrides: dict | None = None,
    contact: str | None = None,
    node_timeout: float = 60.0,
    max_attempts: int = 3,
    poll: float = 2.0,
    max_portals: int | None = None,
    out=None,
) -> dict:
    """Crawl the registry on Scrapyd nodes into the archive; returns the crawl report."""
    from crawler.deploy import DeployError, deploy
    from crawler.shards import MAX_PORTALS

    archive = Path(archive) if archive else default_archive()
    given = {redact(u.rstrip("/")): u for u in nodes}
    if resume and not (archive / "archive.db").exists():
        raise CrawlError(f"no archive at {archive}")
    if resume:
        from crawler.run import resumable_run

        store = CaptureStore(archive)
        run = resumable_run(store, resume if isinstance(resume, str) else None)
        crawl_id, options = run["id"], json.loads(run["options"] or "{}")
        if "nodes" not in options:
            raise CrawlError(
                f"crawl {crawl_id} ran on one machine: ogi crawl --resume, without --nodes"
            )
        names = options["nodes"]
        store.open_run(crawl_id, options)
    else:
        if not nodes:
            raise CrawlError("--nodes: give at least one Scrapyd URL")
        store = CaptureStore(archive)
        crawl_id, names = new_crawl_id(), list(given)
        overrides = dict(overrides or {})
        ua = user_agent(
            contact or overrides.pop("OGI_CONTACT", None) or os.environ.get("OGI_CONTACT"),
            overrides.pop("USER_AGENT", None),
        )
        entries = select_portals(sources, portals)
        node_settings = {**(defaults.FAST if fast else {}), **overrides, "USER_AGENT": ua}
        options = {
            "sources": str(sources),
            "portals": portals,
            "fast": fast,
            "settings": overrides,
            "contact": contact,
            "nodes": names,
            "node_settings": {k: str(v) for k, v in node_settings.items()},
            "entries": [p.as_dict() for p in entries],
        }
    head = Head(
        store,
        crawl_id,
        [Node(given.get(n, n)) for n in names],
        options,
        node_timeout=node_timeout,
        max_attempts=max_attempts,
        poll=poll,
        out=out,
    )
    for name, node in head.nodes.items():  # who answers; the others get no shard
        try:
            node.status()
            if not node.serves_items():
                raise NodeError(
                    "Scrapyd has no items_dir (scrapyd.conf): the node's captures "
                    "are written there and pulled from its /items/"
                )
        except NodeError as e:
            head.dead[name] = f"unusable at the start ({e})"
            head.say(f"{name}: {head.dead[name]}")
    if resume:
        head.remember()
    if not head.live():
        raise CrawlError("no Scrapyd node answered: " + "; ".join(head.dead.values()))
    try:
        head.versions = deploy([head.nodes[n] for n in head.live()], say=head.say)
    except (DeployError, NodeError) as e:
        raise CrawlError(f"deploying to the nodes failed: {e}") from e
    if not resume:
        from crawler.sources import Portal

        entries = [Portal(**p) for p in options["entries"]]
        for p in entries:
            store.upsert_portal(p.as_dict())
        store.open_run(crawl_id, options)
        shards = plan(entries, len(head.live()), max_portals or MAX_PORTALS)
        registry = sorted({d for p in entries for d in domains(p)})
        head.say(
            f"crawl {crawl_id}: {len(entries)} portals in {len(shards)} shards on "
            f"{len(head.live())} node(s)"
        )
        head.start(shards, registry)
    try:
        head.follow()
    except KeyboardInterrupt:
        store.db["crawl_runs"].update(crawl_id, {"status": "interrupted"})
        head.say(
            "interrupted: the jobs go on on the nodes; `ogi crawl --resume` follows "
            "them again, `ogi collect` merges what they finished"
        )
        raise
    report = head.conclude()
    store.close()
    return report


def resumes_nodes(archive: str | Path | None, resume: bool | str) -> bool:
    """Whether `ogi crawl --resume` means a crawl that ran on nodes (read-only: an archive
    that is not there is not made)."""
    from crawler.run import resumable_run

    archive = Path(archive) if archive else default_archive()
    if not resume or not (archive / "archive.db").exists():
        return False
    store = CaptureStore(archive)
    try:
        run = resumable_run(store, resume if isinstance(resume, str) else None)
    except CrawlError:
        return False
    finally:
        store.close()
    return "nodes" in json.loads(run["options"] or "{}")


def collect(
    archive: str | Path | None = None,
    crawl_id: str | None = None,
    nodes: list[str] | None = None,
    out=None,
) -> dict:
    """`ogi collect`: merge every job of a crawl on nodes that has finished and is not merged
    yet; when every shard is in, conclude the crawl (events, report, WACZ). Run again, it
    changes nothing. It schedules nothing: `ogi crawl --resume` does."""
    archive = Path(archive) if archive else default_archive()
    if not (archive / "archive.db").exists():
        raise CrawlError(f"no archive at {archive}")
    store = CaptureStore(archive)
    runs = [r for r in store.runs() if '"nodes"' in (r["options"] or "")]
    run = next((r for r in reversed(runs) if r["id"] == crawl_id or not crawl_id), None)
    if run is None:
        raise CrawlError(f"no crawl on nodes {crawl_id or ''} in {archive}".replace("  ", " "))
    options = json.loads(run["options"])
    given = {redact(u.rstrip("/")): u for u in nodes or []}
    head = Head(
        store, run["id"], [Node(given.get(n, n)) for n in options["nodes"]], options, out=out
    )
    merged = 0
    for j in head.jobs(ACTIVE):
        node = head.nodes[j["node"]]
        try:
            manifest = read_manifest(node.store(j["id"]))
        except CollectError as e:
            head.say(f"{j['node']}: shard {j['shard']}: {e}")
            continue
        if not manifest or manifest.get("status") != "finished":
            head.say(f"{j['node']}: shard {j['shard']} (job {j['id']}) not finished")
            continue
        try:
            merge_job(store, j, node.store(j["id"]))
        except CollectError as e:
            head.say(f"{j['node']}: shard {j['shard']}: {e}")
            continue
        merged += 1
    pending = head.jobs(ACTIVE)
    if pending:
        report = {
            "crawl_id": run["id"],
            "status": run["status"],
            "merged": merged,
            "pending": [j["id"] for j in pending],
        }
    elif merged or run["status"] != "finished":
        report = head.conclude()
        report["merged"] = merged
    else:  # nothing new: the crawl stands as it was concluded
        report = {**json.loads(run["report"] or "{}"), "status": run["status"], "merged": 0}
    store.close()
    return report
