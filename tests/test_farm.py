"""The demo portal farm serves what its truth says, and behaves like the portals it imitates."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

import pytest

from synthetic.farm import Farm


def get(url, retry=True, **headers):
    """GET like a client that retries a 503 once."""
    status, h, body = _get(url, **headers)
    return _get(url, **headers) if status == 503 and retry else (status, h, body)


def _get(url, **headers):
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def farm():
    with Farm(reports_per_portal=3) as f:
        yield f


def test_truth_bodies_are_what_is_served(farm):
    truth = farm.truth()
    assert len(truth) == 4 * 5  # 4 portals × (3 pages + 2 attachments)
    for url, sha in truth.items():
        status, _, body = get(url)
        assert status == 200 and hashlib.sha256(body).hexdigest() == sha


def test_one_portal_per_family_on_its_own_loopback_address(farm):
    families = [s.family for s in farm.sites]
    assert {"trs", "hanweb", "gkmlpt", "generic"} <= set(families)
    assert len({s.host for s in farm.sites}) == len(farm.sites)
    assert all(s.host.startswith("127.0.0.") for s in farm.sites)


def test_gbk_pages_robots_and_conditional_get(farm):
    trs = farm.site("trs")
    status, headers, body = get(trs.start_url())
    assert "charset=gbk" in headers["Content-Type"]
    body.decode("gbk")
    status, _, robots = get(trs.base + "/robots.txt")
    assert b"Disallow: /private/" in robots
    status, h2, _ = get(trs.start_url(), **{"If-None-Match": headers["ETag"]})
    assert status == 304


def test_failures_redirects_and_log():
    farm = Farm(reports_per_portal=3).start()
    generic = farm.site("generic")
    url = generic.base + generic.docs[-1].detail
    assert get(url, retry=False)[0] == 503  # the first request to it fails, once
    assert get(url, retry=False)[0] == 200
    assert get(generic.base + "/xxgk/ndbg/list_1.html")[0] == 200  # followed a 301
    assert get(generic.base + "/nowhere.html")[0] == 404
    assert get(farm.sites[-1].start_url())[0] == 412  # the blocked portal
    assert [r["status"] for r in farm.log[:2]] == [503, 200]
    farm.stop()


def test_hanweb_proxy_and_gkmlpt_api(farm):
    hanweb = farm.site("hanweb")
    req = urllib.request.Request(
        hanweb.base + "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=6&perpage=2",
        data=b"col=1&columnid=1234&unitid=5678",
        method="POST",
    )
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        assert e.code == 503  # fails once, deterministically
    with urllib.request.urlopen(req) as r:
        xml = r.read().decode()
    assert xml.count("<record>") == 3 and "<totalrecord>3</totalrecord>" in xml
    gk = farm.site("gkmlpt")
    assert get(f"{gk.base}/gkmlpt/api/all/{gk.catid}?page=1&sid=wrong")[0] == 403
    status, _, body = get(f"{gk.base}/gkmlpt/api/all/{gk.catid}?page=1&sid={gk.sid}")
    assert status == 200 and b'"articles"' in body


def test_edit_and_remove_change_the_truth(tmp_path):
    with Farm(reports_per_portal=3, blocked=False) as f:
        before = f.truth()
        edited, removed = f.edit_report("trs"), f.remove_report("generic")
        after = f.truth()
        assert before[edited] != after[edited]
        assert removed in before and removed not in after
        assert get(removed)[0] == 404
        assert set(before) - set(after) == {removed}


def test_shared_corpus_files_are_published(shared_dir):
    with Farm(reports_per_portal=1, shared_dir=shared_dir, blocked=False) as f:
        bodies = {sha for sha in f.truth().values()}
        for p in (shared_dir / "corpus").glob("*.pdf"):
            assert hashlib.sha256(p.read_bytes()).hexdigest() in bodies


def post(url, form: dict):
    import json
    from urllib.parse import urlencode

    req = urllib.request.Request(url, data=urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_list_columns_declare_their_size_and_serve_it_through_their_apis():
    from synthetic.farm_lists import TrsList2Site, UcapSite

    with Farm(reports_per_portal=7, blocked=False, families=[], lists=True) as f:
        list2, ucap = f.sites
        assert (type(list2), type(ucap)) == (TrsList2Site, UcapSite)
        status, _, page = get(list2.start_url())
        text = page.decode()
        assert "list2.trsapi" in text and "recordCount:'7'" in text
        assert text.count("<li>") == list2.max_static * list2.prepage  # the static page
        form = {
            "channelid": list2.search_id,
            "classsql": f"chnlid={list2.chnlid}",
            "page": "3",
            "prepage": "3",
        }
        status, answer = post(list2.base + list2.api, form)
        assert status == 200 and answer["recordCount"] == 7 and answer["pageCount"] == 3
        assert [d["chnldocurl"] for d in answer["data"]] == [list2.base + list2.docs[6].detail]
        assert post(list2.base + list2.api, {**form, "classsql": "chnlid=1"})[0] == 400
        list2.api_fault = "http_500"
        assert post(list2.base + list2.api, form)[0] == 500
        form = {
            "webSiteCode": ucap.site_code,
            "channelCode": ucap.channel,
            "current": "1",
            "pageSize": "5",
        }
        status, answer = post(ucap.base + "/queryList", form)
        assert status == 200 and answer["data"]["total"] == 7
        assert len(answer["data"]["results"]) == 5
        ucap.api_fault = "empty"  # 200, the full count declared, nothing after page 1
        status, answer = post(ucap.base + "/queryList", {**form, "current": "2"})
        assert status == 200 and answer["data"]["total"] == 7 and answer["data"]["results"] == []
