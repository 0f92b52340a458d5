"""What the methods modules share: the envelope of a batch answer."""

from __future__ import annotations

from dataclasses import asdict

from ....app.results import ResultCode as R


def batch(result) -> tuple[int, dict, str]:
    data = {"items": [asdict(i) for i in result.items]}
    if result.task_id is not None:
        data["taskId"] = result.task_id
    return result.code, data, {R.OK: "OK", R.PARTIAL: "some items failed",
                               R.NONE: "every item failed",
                               R.BACKGROUND: "running in the background"}[result.code]
