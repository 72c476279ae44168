"""A Scrapyd node through its JSON API (schedule.json, listjobs.json, addversion.json …) and
the files its web server serves: the job logs at /logs/ and, from items_dir, the node stores at
/items/ (crawler/node_store.py). Every call has a timeout: scrapyd-client's ScrapydClient has
none, and a machine that went away would hang the head."""

from __future__ import annotations

from archive.collect import Source, redact

PROJECT, SPIDER = "ogi", "portals"


class NodeError(RuntimeError):
    pass


class Node:
    """Credentials go in the URL (http://user:pass@host:6800) or ~/.netrc; they are never
    stored or shown (`name` is the URL without them)."""

    def __init__(self, url: str, timeout: float = 10.0):
        import requests

        self.url = url.rstrip("/")
        self.name = redact(self.url)
        self.timeout = timeout
        self.session = requests.Session()

    def __repr__(self) -> str:
        return f"Node({self.name})"

    def _call(self, method: str, endpoint: str, **kw) -> dict:
        import requests

        try:
            r = self.session.request(
                method, f"{self.url}/{endpoint}.json", timeout=self.timeout, **kw
            )
        except requests.RequestException as e:
            raise NodeError(f"{self.name}: {type(e).__name__}") from e
        if r.status_code == 401:
            raise NodeError(
                f"{self.name}: 401 — Scrapyd asks for a user and password (put "
                "them in the node URL or ~/.netrc)"
            )
        try:
            data = r.json()
        except ValueError:
            raise NodeError(
                f"{self.name}: {endpoint}.json answered HTTP {r.status_code}, not Scrapyd's JSON"
            ) from None
        if data.get("status") != "ok":
            raise NodeError(f"{self.name}: {endpoint}: {data.get('message', data)}")
        return data

    def status(self) -> dict:
        return self._call("GET", "daemonstatus")

    def serves_items(self) -> bool:
        """Whether Scrapyd has a local items_dir (its home page then links /items/), where the
        head pulls the node stores from."""
        import requests

        try:
            r = self.session.get(self.url + "/", timeout=self.timeout)
        except requests.RequestException as e:
            raise NodeError(f"{self.name}: {type(e).__name__}") from e
        return r.status_code == 200 and "/items/" in r.text

    def versions(self) -> list[str]:
        return self._call("GET", "listversions", params={"project": PROJECT})["versions"]

    def add_version(self, version: str, egg: bytes) -> int:
        data = self._call(
            "POST",
            "addversion",
            data={"project": PROJECT, "version": version},
            files={"egg": ("ogi.egg", egg)},
        )
        return int(data.get("spiders", 0))

    def schedule(self, job: str, version: str, args: dict, settings: dict) -> None:
        data = [("project", PROJECT), ("spider", SPIDER), ("jobid", job), ("_version", version)]
        data += [("setting", f"{k}={v}") for k, v in settings.items()]
        data += list(args.items())
        self._call("POST", "schedule", data=data)

    def jobs(self) -> dict[str, dict]:
        """{job id: {"state": pending | running | finished, "pid": …}} of our project."""
        data = self._call("GET", "listjobs", params={"project": PROJECT})
        return {
            j["id"]: {**j, "state": state}
            for state in ("pending", "running", "finished")
            for j in data.get(state, [])
        }

    def cancel(self, job: str) -> None:
        self._call("POST", "cancel", data={"project": PROJECT, "job": job})

    def store(self, job: str) -> Source:
        """The job's node store, served by Scrapyd from its items_dir."""
        return Source(f"{self.url}/items/{PROJECT}/{SPIDER}/{job}/")

    def log(self, job: str) -> str | None:
        import requests

        try:
            r = self.session.get(
                f"{self.url}/logs/{PROJECT}/{SPIDER}/{job}.log", timeout=self.timeout
            )
        except requests.RequestException:
            return None
        return r.text if r.status_code == 200 else None
