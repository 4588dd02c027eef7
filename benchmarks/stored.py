"""How reads grow with what one webhook holds (issue 17, section 3): a webhook with 10^5 stored
dispatches against one with 10. Its dispatch page is a seek on (webhook_id, webhook_n) and its
`lastDispatch` and total are columns of its own row, so neither should look at the dispatches;
these are the paths `run.py --cases stored` loads with wrk to show it."""

from __future__ import annotations


def webhook_paths(hook_id: str, stored: int) -> dict[str, str]:
    """The reads to compare, by row name: a full page of 10 dispatches from the middle of the
    history (from the start when only 10 are stored), the webhook itself and the webhook list
    (both show `lastDispatch` and `stats.totalDispatches`)."""
    return {
        "GET /v2/webhooks/{id}/dispatches?limit=10, mid-history": (
            f"/v2/webhooks/{hook_id}/dispatches?limit=10&offset={(stored - 10) // 2}"
        ),
        "GET /v2/webhooks/{id} (lastDispatch)": f"/v2/webhooks/{hook_id}",
        "GET /v2/webhooks?limit=10 (lastDispatch)": "/v2/webhooks?limit=10",
    }
