"""The fake's fidelity proof: the same sequence of requests (differential.py) against two servers gives
the same transcript once ids and timestamps are normalised. With both targets it compares the real
server with the fake; with the real server alone, it compares two real servers (each started fresh),
which proves that the normalisation leaves nothing that changes from run to run."""

from __future__ import annotations

import difflib
import json

import pytest
from differential import transcript
from servers import TARGETS, serve

PAIRS = [("real", "fake")] if "fake" in TARGETS else [("real", "real")]


def differences(left: list[dict], right: list[dict], left_name: str, right_name: str) -> str:
    """A readable account of where two transcripts differ, step by step ('' when they do not)."""
    blocks = []
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else None
        b = right[index] if index < len(right) else None
        if a == b:
            continue
        step = (a or b)["step"]
        a_lines = json.dumps(a, indent=1, sort_keys=True).splitlines()
        b_lines = json.dumps(b, indent=1, sort_keys=True).splitlines()
        diff = difflib.unified_diff(a_lines, b_lines, left_name, right_name, lineterm="", n=2)
        blocks.append(f"step {index} {step!r}:\n" + "\n".join(diff))
    return "\n\n".join(blocks)


@pytest.mark.parametrize(("left", "right"), PAIRS, ids=[f"{a}-vs-{b}" for a, b in PAIRS])
def test_same_transcript(left, right, tmp_path):
    transcripts = []
    for number, target in enumerate((left, right)):
        with serve(target, tmp_path / f"{number}-{target}.log") as url:
            transcripts.append(transcript(url))
        (tmp_path / f"{number}-{target}.json").write_text(json.dumps(transcripts[-1], indent=1))
    found = differences(*transcripts, f"{left} (1st)", f"{right} (2nd)")
    assert not found, f"the transcripts differ (both in {tmp_path}):\n{found}"
    assert len(transcripts[0]) >= 60  # the whole sequence ran
    live = next(record for record in transcripts[0] if record["step"] == "live stream with internal events, until idle")
    assert live["content_type"] == "text/event-stream; charset=utf-8"
    assert live["frames"][-1]["type"] == "WorkflowIdleEvent"
