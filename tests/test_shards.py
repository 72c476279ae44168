"""Sharding the registry over Scrapyd nodes: every portal of one host in one shard."""

from __future__ import annotations

from archive.collect import redact
from crawler.node_store import pack, unpack
from crawler.shards import assign, host_groups, plan
from crawler.sources import Portal


def portal(name: str, *urls: str, domains=()) -> Portal:
    hosts = [u.split("/")[2] for u in urls]
    return Portal(name=name, start_urls=list(urls), allowed_domains=list(domains) or hosts)


def test_portals_of_one_host_or_its_subdomains_share_a_group():
    ps = [
        portal("a", "http://www.a.gov.cn/x/"),
        portal("b", "http://www.b.gov.cn/"),
        portal("a2", "http://www.a.gov.cn/y/"),  # the same host
        portal("a3", "http://xxgk.a.gov.cn/", domains=["xxgk.a.gov.cn", "a.gov.cn"]),
        portal("c", "http://c.gov.cn/"),
        portal("c-sub", "http://zwgk.c.gov.cn/"),
    ]
    groups = {frozenset(p.name for p in g) for g in host_groups(ps)}
    assert groups == {frozenset({"a", "a2", "a3"}), frozenset({"b"}), frozenset({"c", "c-sub"})}


def test_a_plan_never_splits_a_host_and_balances_the_nodes():
    ps = [portal(f"p{i}", f"http://h{i % 20}.gov.cn/col{i}/") for i in range(60)]
    shards = plan(ps, nodes=3)
    assert len(shards) == 3 and sorted(len(s) for s in shards) == [18, 21, 21]
    where = {}
    for k, s in enumerate(shards):
        for p in s:
            where.setdefault(p.start_urls[0].split("/")[2], set()).add(k)
    assert all(len(v) == 1 for v in where.values())
    assert sorted(p.name for s in shards for p in s) == sorted(p.name for p in ps)


def test_shards_stay_small_enough_for_a_command_line():
    import hashlib

    noise = [
        hashlib.sha512(str(i).encode()).hexdigest() + hashlib.sha256(str(i).encode()).hexdigest()
        for i in range(400)
    ]  # what zlib cannot shrink much
    ps = [portal(f"门户{noise[i][:40]}", f"http://h{i}.gov.cn/{noise[i]}") for i in range(400)]
    shards = plan(ps, nodes=2, max_portals=1000, max_argument=20_000)
    assert len(shards) > 2
    assert all(len(pack([p.as_dict() for p in s])) <= 20_000 for s in shards)
    assert len(plan(ps, nodes=2, max_portals=50)) == 8


def test_shards_go_to_the_least_loaded_node():
    shards = [
        [portal("a", "http://a/")] * 5,
        [portal("b", "http://b/")] * 3,
        [portal("c", "http://c/")] * 3,
    ]
    assert assign(shards, ["n1", "n2"]) == ["n1", "n2", "n2"]
    assert assign(shards, ["n1", "n2"], load={"n1": 10}) == ["n2", "n2", "n2"]


def test_spider_arguments_pack_and_unpack():
    data = [{"name": "临清市人民政府", "start_urls": ["http://www.linqing.gov.cn/"]}] * 50
    packed = pack(data)
    assert packed.isascii() and len(packed) < len(str(data)) / 5
    assert unpack(packed) == data
    assert unpack('[{"name": "x"}]') == [{"name": "x"}]  # plain JSON, by hand


def test_credentials_never_leave_a_node_url():
    assert redact("http://ops:s3cret@10.0.0.5:6800") == "http://10.0.0.5:6800"
    assert redact("http://10.0.0.5:6800") == "http://10.0.0.5:6800"
