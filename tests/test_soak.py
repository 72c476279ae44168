"""The fault soak (bench/soak.py): the demo farm answers 10 % of its requests with a fault
(5xx, 429, reset, truncated body, stall past the timeout, gzip bomb); five crawl rounds, two of
them SIGKILLed and resumed; the archive then equals the fault-free truth — every report URL,
every sha256 — with no event but 'new'."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "soak.py"


def test_fault_soak_ends_equal_to_the_truth(tmp_path):
    spec = importlib.util.spec_from_file_location("soak", BENCH)
    soak = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(soak)
    lines = []
    result = soak.soak(
        rounds=5, kills=2, rate=0.1, seed=7, reports=4, tmp=tmp_path, out=lines.append
    )
    print("\n".join(lines))
    assert result["kills"] == 2
    assert 0.05 <= result["fault_share"] <= 0.2 and len(result["faults"]) >= 4
    assert result["captured"] == result["sha_equal"] == result["urls"] and not result["extra"]
    assert result["events"] == {"new": result["urls"]}
    assert result["equal"]
