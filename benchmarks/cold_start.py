"""How long `righthand ask` takes from a cold start (a new process each time).

Seeds the demo workspace in a private RIGHTHAND_HOME, then times whole processes of
`righthand ask "What's on my calendar today, Jane?"` (refused in Phase I, answered in Phase III)
and of a request that changes a list. Target: under 0.5 s.
Last line: {"runs": N, "refused_median_s": A, "agenda_median_s": B, "subscribe_median_s": C}
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("RUNS", "9"))
RIGHTHAND = str(Path(sys.executable).with_name("righthand"))


def timed(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([RIGHTHAND, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "RIGHTHAND_HOME": home}
        env.pop("RIGHTHAND_DATABASE_URL", None)
        subprocess.run([RIGHTHAND, "demo"], env=env, check=True, capture_output=True)
        question = "What's on my calendar today, Jane?"
        refused = [timed(env, "ask", question) for _ in range(RUNS)]
        subscribe = []
        for index in range(RUNS):
            subscribe.append(timed(env, "ask", f"Add Guest {index}, guest{index}@example.com, "
                                               "to the newsletter list"))
        subprocess.run([RIGHTHAND, "phase", "set", "III"], env=env, check=True,
                       capture_output=True)
        agenda = [timed(env, "ask", question) for _ in range(RUNS)]
    print(f"ask (refused, Phase I): median {statistics.median(refused):.3f} s")
    print(f"ask (agenda, Phase III): median {statistics.median(agenda):.3f} s")
    print(f"ask (subscribe, writes + dispatch): median {statistics.median(subscribe):.3f} s")
    print(json.dumps({"runs": RUNS, "refused_median_s": round(statistics.median(refused), 3),
                      "agenda_median_s": round(statistics.median(agenda), 3),
                      "subscribe_median_s": round(statistics.median(subscribe), 3)}))


if __name__ == "__main__":
    main()
