"""``python -m bench.rebuild``: every read model rebuilt from the whole log, in a process of its own.

Run on the store ``HOTLINE_*`` names, with nothing else running: every read model (case index,
findings index, scorecards, spot checks; not the integrity tree, which is the audit's) forgets its
rows and position and catches up from the first event, as after a schema change; they catch up
together, as they follow the log live (one read and one decode of each event for all). Prints one JSON object: events in the log, seconds, and this process's peak memory.
"""

from __future__ import annotations

import json
import resource
import time

from hotline.bootstrap import bootstrap
from hotline.settings import Settings


def main() -> None:
    settings = Settings.from_env().model_copy(update={"followers": "inline"})
    hotline = bootstrap(settings)
    try:
        hotline.followers.catch_up()
        head = hotline.store.head()
        views = [f.view for f in hotline.followers.followers() if f.stage == 1 and hasattr(f, "view")]
        for view in views:  # the case index, the findings index, the scorecards, the spot checks: all the read models
            view.reset()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        began = time.perf_counter()
        hotline.followers.catch_up()
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({
            "events": head, "seconds": seconds, "events_per_s": head / seconds, "peak_rss_mb": peak, "rss_before_mb": before,
            "read_models": [view.name for view in views],
        }))
    finally:
        hotline.close()


if __name__ == "__main__":
    main()
