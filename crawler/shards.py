"""The registry cut into shards for Scrapyd nodes. The rule: every portal of one host in one
shard — Scrapy keeps a site polite per host (the delay, two requests at a time, a Retry-After
holding the host), and only inside one process, so a host crawled from two machines would get
twice the load. Portals are grouped by their hosts (a domain and its sub-domains count as one
host), the groups packed into shards of at most `max_portals`, biggest first, each into the
shard that has fewest portals so far; shards go to the node with fewest portals."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.node_store import pack
from crawler.sources import Portal

MAX_PORTALS = 200  # per shard: one scrapy process on a node
MAX_ARGUMENT = 100_000  # a packed spider argument; Linux refuses one over 128 KiB


def domains(p: Portal) -> set[str]:
    hosts = {(urlsplit(u).hostname or "").lower() for u in p.start_urls}
    return ({d.lower().strip(".") for d in p.allowed_domains} | hosts) - {""}


def host_groups(portals: list[Portal]) -> list[list[Portal]]:
    """Portals that share a host (or one's domain is a parent of another's), together; in
    registry order within a group, groups in the order of their first portal."""
    parent = list(range(len(portals)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, p in enumerate(portals):
        for d in domains(p):
            owner.setdefault(d, i)
            parent[find(i)] = find(owner[d])
    for d, i in owner.items():  # a sub-domain joins the portal of its parent domain
        labels = d.split(".")
        for k in range(1, len(labels) - 1):
            j = owner.get(".".join(labels[k:]))
            if j is not None:
                parent[find(i)] = find(j)
    groups: dict[int, list[Portal]] = {}
    for i, p in enumerate(portals):
        groups.setdefault(find(i), []).append(p)
    return list(groups.values())


def plan(
    portals: list[Portal],
    nodes: int,
    max_portals: int = MAX_PORTALS,
    max_argument: int = MAX_ARGUMENT,
) -> list[list[Portal]]:
    """Shards (lists of portals): at least one per node while there are groups to give, more
    when a shard would pass max_portals or its packed argument max_argument."""
    groups = sorted(host_groups(portals), key=lambda g: -len(g))  # stable: registry order
    n = max(1, min(len(groups), max(nodes, -(-len(portals) // max_portals))))
    while True:
        shards: list[list[Portal]] = [[] for _ in range(n)]
        for g in groups:
            min(shards, key=len).extend(g)
        shards = [s for s in shards if s]
        if all(len(pack([p.as_dict() for p in s])) <= max_argument for s in shards) or n >= len(
            groups
        ):
            return shards
        n += 1


def assign(
    shards: list[list[Portal]], nodes: list[str], load: dict[str, int] | None = None
) -> list[str]:
    """The node for each shard: the one with fewest portals so far (load: portals it has)."""
    load = {n: (load or {}).get(n, 0) for n in nodes}
    out = []
    for s in shards:
        node = min(nodes, key=lambda n: load[n])
        load[node] += len(s)
        out.append(node)
    return out
