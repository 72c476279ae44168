"""The demo portal farm: simulated government portals on loopback, with known ground truth.

Each portal listens on its own loopback address (127.0.0.2, 127.0.0.3, …) so that a crawler's
per-domain politeness applies per portal. The farm logs every request it receives, answers
conditional GETs (ETag / Last-Modified), and can edit or remove a report between crawls.

    with Farm(reports_per_portal=4) as farm:
        farm.write_sources("demo.yaml"); ...; farm.truth()
"""

from __future__ import annotations

import hashlib
import random
import socket
import threading
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from synthetic import farm_tail, faults
from synthetic.farm_lists import LIST_PLACES, LIST_SITES
from synthetic.farm_sites import (
    PLACES,
    BlockedSite,
    GenericSite,
    GkmlptSite,
    HanwebSite,
    Site,
    TrsSite,
)

FAMILIES = [TrsSite, HanwebSite, GkmlptSite, GenericSite]
CONFIGURED = {"trs", "gkmlpt"}  # families named in the sources file; the others are detected
DEMO_PORT = 8641  # the demo's portals keep their URLs from one run to the next
# `ogi demo` and `ogi demo-portals` run the same farm, which sources/demo-farm.yaml describes
DEMO_PORTALS_PER_FAMILY = 2
DEMO_REPORTS = 6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoPortal/1.0"

    def log_message(self, *args):  # the farm keeps its own log
        pass

    def setup(self):
        super().setup()  # headers and body go in two writes: no Nagle wait between them
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self._serve(b"")

    def do_HEAD(self):
        self._serve(b"", head=True)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(n) if n else b"")

    def _serve(self, form: bytes, head: bool = False):
        farm: Farm = self.server.farm
        site: Site = self.server.site
        parts = urlsplit(self.path)
        if farm.delay:
            time.sleep(farm.delay)
        fault = farm.fault_for(site, self.command, parts.path, parts.query)
        if fault:
            return self._fault(fault, farm, site, parts)
        with farm.lock:
            res = site.respond(self.command, parts.path, parts.query, form)
            status, ctype, body, extra = res if res else (404, "text/html", b"<h1>404</h1>", {})
            headers = {"Content-Type": ctype, **extra}
            if status == 200 and self.command == "GET":
                etag, lastmod = farm.validators(site, parts.path, body)
                headers.update({"ETag": etag, "Last-Modified": lastmod})
                if self._not_modified(etag, lastmod):
                    status, body = 304, b""
                    del headers["Content-Type"]  # as many servers do
            conditional = self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
            self._log(farm, site, parts, status, len(body), conditional=bool(conditional))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _log(self, farm: "Farm", site: Site, parts, status, size: int, **more) -> None:
        """One request in the farm's log (what the tests read back); under farm.lock."""
        farm.log.append(
            {
                "host": site.host,
                "site": site.name,
                "method": self.command,
                "path": parts.path,
                "query": parts.query,
                "status": status,
                "size": size,
                "ua": self.headers.get("User-Agent", ""),
                **more,
            }
        )

    def _fault(self, fault: str, farm: "Farm", site: Site, parts) -> None:
        """Fault mode: misbehave as `fault` says (synthetic/faults.py), for real."""
        with farm.lock:
            self._log(farm, site, parts, None, 0, conditional=False, fault=fault)
            res = site.respond(self.command, parts.path, parts.query, b"")
        if fault in ("503", "429"):
            faults.status(self, int(fault), retry_after=1 if fault == "429" else None)
        elif fault == "reset":
            faults.reset(self)
        elif fault == "truncate":
            body = res[2] if res and res[0] == 200 and len(res[2]) > 1 else b"x" * 2000
            faults.truncate(self, body, res[1] if res else "text/html")
        elif fault == "stall":
            faults.stall(self, farm.stall)
        elif fault == "bomb":
            faults.bomb(self, farm.bomb_mb, res[1] if res else "text/html")

    def _not_modified(self, etag: str, lastmod: str) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm:
            return etag in [t.strip() for t in inm.split(",")]
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return parsedate_to_datetime(ims) >= parsedate_to_datetime(lastmod)
            except (TypeError, ValueError):
                return False
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client gone mid-request is normal here
        pass


class Farm:
    def __init__(
        self,
        reports_per_portal: int = 4,
        portals_per_family: int = 1,
        seed: int = 7,
        port: int = 0,
        shared_dir: str | Path | None = None,
        blocked: bool = True,
        first_host: int = 2,
        delay: float = 0.0,
        body_pool: int = 0,
        extras: bool = False,
        faults: float = 0.0,
        fault_seed: int = 1,
        stall: float = 4.0,
        bomb_mb: int = 64,
        lists: bool = False,
        families: list[type[Site]] | None = None,
    ):
        """extras: each column also lists documents that are not reports (notices, 解读, the
        blank 报告格式 …) and one HTML report attaches itself as a PDF (the demo has them).
        lists: also the columns listed by script and API (synthetic/farm_lists.py: TRS
        list2.trsapi, 开普云 queryList), one each. families: the site classes of each round
        (default: one per CMS family)."""
        self.delay = delay  # seconds each response waits (to watch or interrupt a crawl)
        # fault mode: this share of requests misbehaves (synthetic/faults.py), decided by the
        # seed, the URL and how many times it was asked before (the same for any order)
        self.faults, self.fault_seed, self.stall, self.bomb_mb = faults, fault_seed, stall, bomb_mb
        self._asked: Counter = Counter()
        self.lock = threading.RLock()
        self.log: list[dict] = []
        self.port = port
        self.sites: list[Site] = []
        self._validators: dict[tuple, tuple[str, str, str]] = {}
        self._clock = time.time() - 86400
        shared = Path(shared_dir) if shared_dir else None
        places = PLACES + LIST_PLACES  # real counties (GB/T 2260)
        families = FAMILIES if families is None else list(families)
        rounds = [(k + 1, families) for k in range(portals_per_family)]
        if lists:  # one column of each list kind not in the rounds already
            rounds.append((1, [c for c in LIST_SITES if c not in families]))
        n = first_host
        for k, classes in rounds:
            for i, cls in enumerate(classes):
                first_generic = cls is GenericSite and not any(
                    isinstance(x, GenericSite) for x in self.sites
                )
                kw = {"shared": shared} if first_generic else {}
                if extras and k == 1 and classes is families:  # the long tail, over round 1
                    kw["tail"] = farm_tail.tail_of(i, len(classes))
                name = f"示例{getattr(cls, 'label', cls.family.upper())}门户{k}"
                place = places[len(self.sites) % len(places)]
                self.sites.append(
                    cls(
                        name,
                        f"127.0.0.{n}",
                        reports_per_portal,
                        seed * 100 + n,
                        place=place,
                        extras=extras,
                        **kw,
                    )
                )
                n += 1
        if blocked:
            self.sites.append(
                BlockedSite(
                    "示例受阻门户",
                    f"127.0.0.{n}",
                    0,
                    seed,
                    place=PLACES[len(self.sites) % len(PLACES)],
                )
            )
        for site in self.sites:
            site.port, site.pool = port, body_pool
        self._servers: list[ThreadingHTTPServer] = []

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "Farm":
        self.truth()  # render every report now, not while a crawler waits
        for site in self.sites:
            try:
                srv = _Server((site.host, self.port), _Handler)
            except OSError:  # the port is taken (the demo portals already run?)
                self.stop()
                raise
            srv.farm, srv.site = self, site
            site.port = srv.server_address[1]
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            self._servers.append(srv)
        return self

    def stop(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        self._servers.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def validators(self, site: Site, path: str, body: bytes) -> tuple[str, str]:
        """ETag and Last-Modified of a body; Last-Modified moves when the bytes change."""
        sha = hashlib.sha256(body).hexdigest()
        key = (site.host, path)
        old = self._validators.get(key)
        if old is None or old[0] != sha:
            stamp = self._clock if old is None else max(time.time(), self._clock + 1)
            self._validators[key] = (sha, f'"{sha[:16]}"', formatdate(stamp, usegmt=True))
        return self._validators[key][1], self._validators[key][2]

    def fault_for(self, site: Site, method: str, path: str, query: str) -> str | None:
        if not self.faults:
            return None
        with self.lock:
            key = (site.host, method, path, query)
            n = self._asked[key]
            self._asked[key] += 1
        rnd = random.Random(f"{self.fault_seed}|{site.host}|{method}|{path}?{query}|{n}")
        return rnd.choice(faults.KINDS) if rnd.random() < self.faults else None

    def faults_injected(self) -> Counter:
        return Counter(r["fault"] for r in self.log if r.get("fault"))

    # -- ground truth ---------------------------------------------------------------------
    def truth(self) -> dict[str, str]:
        """{url: sha256} of every detail page and attachment the farm publishes now (what a
        crawler should capture as report candidates; with extras, documents that are not
        reports too: reports() says which are reports)."""
        with self.lock:
            out = {}
            for site in self.sites:
                out.update(site.truth())
            return out

    def reports(self) -> list[dict]:
        """The generated reports published now, each once: {portal, body, year, record (the
        generator's truth), urls (its copies: the page or the attachment; both for a page
        that attaches itself as a PDF)}. Shared corpus files are not among them."""
        with self.lock:
            out = []
            for site in self.sites:
                for d in site.live():
                    if d.kind != "report" or d.raw is not None:
                        continue
                    urls = [site.base + d.detail] if d.fmt == "html" else []
                    urls += [site.base + d.attachment] if d.attachment else []
                    if d.extra.get("attachment2"):  # split: the tables are an edition too
                        urls.append(site.base + d.extra["attachment2"])
                    if d.variant in ("zip", "rar"):  # the report is a member of the archive
                        member = site.tail_files(d)["members"][0][0]
                        urls = [f"{site.base}{d.attachment}#{member}"]
                    for rep in d.reports():  # a compilation: each report at the one URL
                        out.append(
                            {
                                "portal": site.name,
                                "body": rep.agency,
                                "year": rep.year,
                                "record": rep.record,
                                "urls": urls,
                                "fmt": d.fmt,
                                "variant": d.variant,
                            }
                        )
            return out

    def members(self) -> dict[str, str]:
        """{sha256 of each member: its archive's URL#path} of the archives the farm attaches."""
        import hashlib

        with self.lock:
            out = {}
            for site in self.sites:
                for d in site.live():
                    if d.variant in ("zip", "rar"):
                        for name, data in site.tail_files(d)["members"]:
                            out[hashlib.sha256(data).hexdigest()] = (
                                f"{site.base}{d.attachment}#{name}"
                            )
            return out

    def site(self, family: str) -> Site:
        return next(s for s in self.sites if s.family == family and not isinstance(s, BlockedSite))

    def disallowed(self) -> list[tuple[str, str]]:
        return [(s.host, s.disallow) for s in self.sites if not isinstance(s, BlockedSite)]

    def requests_to_disallowed(self) -> list[dict]:
        rules = dict(self.disallowed())
        return [
            r for r in self.log if r["host"] in rules and r["path"].startswith(rules[r["host"]])
        ]

    def edit_report(self, family: str = "trs") -> str:
        """Publish a corrected edition of an HTML report; returns its URL."""
        with self.lock:
            site = self.site(family)
            d = next(
                d
                for d in site.live()
                if d.fmt == "html" and d.raw is None and d.kind == "report" and not d.copy
            )
            d.version += 1
            return site.base + d.detail

    def remove_report(self, family: str = "generic") -> str:
        """Take an HTML report down (unlisted, its page 404); returns its URL."""
        with self.lock:
            site = self.site(family)
            d = next(
                d
                for d in reversed(site.live())
                if d.fmt == "html" and d.raw is None and d.kind == "report" and not d.copy
            )
            d.removed = True
            return site.base + d.detail

    # -- registry -------------------------------------------------------------------------
    def sources(self) -> dict:
        entries = []
        for _i, s in enumerate(self.sites):
            e = {
                "name": s.name,
                "region_code": s.place[0],
                "level": "县",
                "parent": s.place[2],
                "start_urls": [s.start_url()],
            }
            if s.family in CONFIGURED and not isinstance(s, BlockedSite):
                e["family"] = s.family
            entries.append(e)
        return {"portals": entries}

    def write_sources(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        head = "# The demo portal farm (ogi demo-portals); valid while the farm runs.\n"
        path.write_text(
            head + yaml.safe_dump(self.sources(), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        return path


def free_port(first_host: int = 2, hosts: int = 12) -> int:
    """A port free on 127.0.0.first_host … (for a farm on a port of its own, in tests)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((f"127.0.0.{first_host}", 0))
            port = s.getsockname()[1]
        try:
            for n in range(first_host, first_host + hosts):
                with socket.socket() as s:
                    s.bind((f"127.0.0.{n}", port))
            return port
        except OSError:
            continue
    raise OSError("no free port")


def serve(
    port: int = DEMO_PORT,
    reports_per_portal: int = DEMO_REPORTS,
    portals_per_family: int = DEMO_PORTALS_PER_FAMILY,
    sources_out: str | Path = "sources/demo-farm.yaml",
    shared_dir=None,
    faults: float = 0.0,
    fault_seed: int = 1,
) -> None:
    """Run the farm until Ctrl-C, printing the portals' URLs (the `ogi demo-portals` body)."""
    farm = Farm(
        reports_per_portal=reports_per_portal,
        portals_per_family=portals_per_family,
        port=port,
        shared_dir=shared_dir,
        extras=True,
        lists=True,
        faults=faults,
        fault_seed=fault_seed,
    ).start()
    path = farm.write_sources(sources_out)
    for s in farm.sites:
        print(f"{s.family:8} {s.name:16} {s.start_url()}")
    print(
        f"{len(farm.reports())} reports and other documents at {len(farm.truth())} URLs; "
        f"sources written to {path}"
    )
    if faults:
        print(f"fault mode: {faults:.0%} of requests misbehave (seed {fault_seed})")
    print(f"crawl them from another shell: ogi crawl --sources {path} --fast")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        farm.stop()
