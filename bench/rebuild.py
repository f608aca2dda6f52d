"""``python -m bench.rebuild``: every read model rebuilt from the whole log, in a process of its own.

Run on the store ``HOTLINE_*`` names, with nothing else running: the read models (case index,
findings index) forget their rows and position and catch up from the first event, as after a
schema change. Prints one JSON object: events in the log, seconds, and this process's peak memory.
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
        views = [hotline.index, hotline.findings_index]
        for view in views:
            view.reset()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        began = time.perf_counter()
        hotline.followers.catch_up()
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"events": head, "seconds": seconds, "events_per_s": head / seconds, "peak_rss_mb": peak, "rss_before_mb": before}))
    finally:
        hotline.close()


if __name__ == "__main__":
    main()
