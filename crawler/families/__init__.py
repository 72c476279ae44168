"""One adapter per CMS family; `detect` picks one for a portal whose family is not configured."""

from __future__ import annotations

from crawler.families.base import Adapter
from crawler.families.generic import GenericAdapter
from crawler.families.gkmlpt import GkmlptAdapter
from crawler.families.hanweb import HanwebAdapter
from crawler.families.trs import TrsAdapter
from crawler.families.ucap import UcapAdapter

ADAPTERS: dict[str, Adapter] = {
    a.family: a() for a in (GkmlptAdapter, HanwebAdapter, UcapAdapter, TrsAdapter, GenericAdapter)
}


def detect(response) -> str:
    """The family of a portal's start page (generic when no known CMS is recognised)."""
    for name, adapter in ADAPTERS.items():
        if name != "generic" and adapter.detect(response):
            return name
    return "generic"
