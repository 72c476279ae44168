"""Every fetch accounted for: each way a fetch can fail ends in a capture row with its reason,
counted by kind in the crawl report, with no body stored where there is none — real crawls
(child processes) against misbehaving servers on loopback."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from archive.captures import CaptureStore
from crawler.run import crawl_in_subprocess
from synthetic.faults import bomb_body

from badportal import PDF, BadPortal  # tests/badportal.py
from loopback_dns import NxDomainServer  # tests/loopback_dns.py

TESTS = Path(__file__).resolve().parent
LIMITS = (
    "--fast",
    "-s",
    "RETRY_TIMES=1",
    "-s",
    "DOWNLOAD_TIMEOUT=2",
    "-s",
    "DOWNLOAD_MAXSIZE=16000000",
)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.94", 0))
    port = s.getsockname()[1]
    s.close()
    return port  # nothing listens there now: connections are refused


def write_sources(path: Path, entries: dict[str, str]) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "portals": [
                    {"name": name, "family": "generic", "start_urls": [url]}
                    for name, url in entries.items()
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("failures")
    with BadPortal() as bad, BadPortal(host="127.0.0.93") as plain, NxDomainServer() as dns:
        sources = write_sources(
            tmp / "bad.yaml",
            {
                "故障门户": f"{bad.base}/list.html",
                "无解析门户": f"http://nowhere.portal.test:{bad.port}/list.html",
                "证书门户": f"https://{plain.host}:{plain.port}/list.html",
                "拒绝门户": f"http://127.0.0.94:{free_port()}/list.html",
            },
        )
        env = {**os.environ, "PYTHONPATH": str(TESTS), "OGI_TEST_DNS_PORT": str(dns.port)}
        report = crawl_in_subprocess(
            sources,
            tmp / "data",
            *LIMITS,
            "-s",
            "TWISTED_DNS_RESOLVER=loopback_dns.Resolver",
            env=env,
        )
        assert report["status"] == "finished", report["log"][-3000:]
        yield {
            "report": report,
            "store": CaptureStore(tmp / "data"),
            "bad": bad,
            "dns": dns,
            "archive": tmp / "data",
        }


def row(world, url_end: str) -> dict:
    rows = [
        c
        for c in world["store"].captures(world["report"]["crawl_id"])
        if c["url"].endswith(url_end)
    ]
    assert len(rows) == 1, rows
    return rows[0]


def kind(c) -> str:
    return c["error"].split(":")[0]


def errors(world, portal="故障门户") -> dict:
    return world["report"]["portals"][portal]["errors"]


def test_control_document_is_captured(crawled):
    c = row(crawled, "/doc/ok.pdf")
    assert c["status"] == 200 and c["is_report"] == 1 and c["error"] is None
    assert c["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_gzip_bomb_is_refused_with_its_raw_bytes(crawled):
    c = row(crawled, "/doc/bomb.pdf")
    assert kind(c) == "too_large" and "decompression" in c["error"]
    assert c["is_report"] == 0
    # the raw (encoded) bytes are the evidence kept, never the 64 MiB
    assert c["sha256"] == hashlib.sha256(bomb_body(64)).hexdigest()
    assert c["size"] == len(bomb_body(64))
    assert errors(crawled)["too_large"] == 2


def test_declared_over_size_is_refused_without_a_body(crawled):
    c = row(crawled, "/doc/big.pdf")
    assert kind(c) == "too_large" and c["status"] is None and c["sha256"] is None


def test_truncated_body_is_kept_and_marked(crawled):
    c = row(crawled, "/doc/cut.pdf")
    assert kind(c) == "truncated" and c["status"] == 200 and c["is_report"] == 0
    assert crawled["store"].read_blob(c["sha256"]) == PDF[: len(PDF) // 2]
    assert errors(crawled)["truncated"] == 1
    with open(crawled["archive"] / c["warc_file"], "rb") as fh:
        fh.seek(c["warc_offset"])
        rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_headers.get_header("WARC-Truncated") == "disconnect"
    # retried once before it was given up
    assert crawled["bad"].log.count("/doc/cut.pdf") == 2


def test_reset_and_timeout(crawled):
    for path, k in (("/doc/reset.pdf", "reset"), ("/doc/stall.pdf", "timeout")):
        c = row(crawled, path)
        assert kind(c) == k and c["status"] is None and c["sha256"] is None, c
        assert errors(crawled)[k] == 1


def test_redirect_loops(crawled):
    self_loop = row(crawled, "/doc/loop.pdf")
    assert kind(self_loop) == "redirect_loop" and self_loop["status"] == 302
    two = row(crawled, "/doc/loop-a.pdf")
    assert kind(two) == "redirect_loop" and two["final_url"].endswith("/doc/loop-b.pdf")
    assert errors(crawled)["redirect_loop"] == 2
    assert not any(c["is_report"] for c in (self_loop, two))


def test_redirect_off_the_registry_names_its_target(crawled):
    c = row(crawled, "/doc/away.pdf")
    assert kind(c) == "offsite_redirect" and "http://127.0.0.92:9/x.pdf" in c["error"]
    assert errors(crawled)["offsite_redirect"] == 1
    caps = crawled["store"].captures(crawled["report"]["crawl_id"])
    assert not any("127.0.0.92" in (x["final_url"] or "") for x in caps)


def test_http_error_and_challenge(crawled):
    assert kind(row(crawled, "/doc/gone.pdf")) == "http_404"
    wall = row(crawled, "/doc/wall.html")
    assert wall["error"].startswith("blocked:") and wall["is_report"] == 0
    assert crawled["report"]["portals"]["故障门户"]["blocked"] == 1


def test_connection_failures_of_whole_portals(crawled):
    """DNS, TLS and refused: robots.txt is the first fetch; it fails with the kind, the host
    is then disallowed (RFC 9309), and the start page's row says so. A portal that never
    answered is flagged, on its first crawl too."""
    report = crawled["report"]
    for portal, k in (("无解析门户", "dns"), ("证书门户", "tls"), ("拒绝门户", "refused")):
        fig = report["portals"][portal]
        assert fig["errors"].get(k) == 1, (portal, fig)
        assert fig["robots_unreachable"] and fig["robots_denied"] == 1
        assert f"no answer from the portal ({k} 1)" in fig["alert"]
        assert "first crawl" in fig["alert"] and portal in report["alerts"]
        caps = crawled["store"].captures(report["crawl_id"], portal=portal)
        assert [(c["kind"], kind(c)) for c in caps] == [("robots", k), ("list", "robots_denied")]
        assert all(c["sha256"] is None for c in caps)
    assert crawled["dns"].queries  # the name was asked of the loopback DNS server
    assert report["reached"] == 1


def test_every_request_the_server_saw_has_a_row(crawled):
    """Nothing dropped without a row: every document linked has exactly one capture row."""
    caps = crawled["store"].captures(crawled["report"]["crawl_id"], portal="故障门户")
    linked = {c["url"].rsplit("/", 1)[-1] for c in caps if c["kind"] in ("attachment", "detail")}
    assert linked == {
        "ok.pdf",
        "bomb.pdf",
        "big.pdf",
        "cut.pdf",
        "reset.pdf",
        "stall.pdf",
        "loop.pdf",
        "loop-a.pdf",
        "away.pdf",
        "gone.pdf",
        "wall.html",
    }
    fig = crawled["report"]["portals"]["故障门户"]
    assert fig["attachments"] == 1 and fig["documents"] == 1
