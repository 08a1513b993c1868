"""Agenda speed against khal on the same 10,000-event vdir (whole processes).

Generates a vdir (one .ics per event; 2,000 recurring series with exceptions; several time
zones), then times:
  (a) first run: `righthand calendar import VDIR` + `righthand calendar agenda DAY`, against
      khal's first `khal list DAY` (which builds its cache);
  (b) warm: the same question again on each tool's populated store (median of RUNS).
Both must list the same events. Needs khal: pip install -e '.[bench]'.
Targets: first_ratio >= 5, warm_ratio >= 2.
Last line: {"events": N, "first_ratio": ..., "warm_ratio": ..., "righthand_warm_s": ...,
            "khal_warm_s": ..., "same_events": true}
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import calgen

RUNS = int(os.environ.get("RUNS", "7"))
EVENTS = int(os.environ.get("EVENTS", "10000"))
BIN = Path(sys.executable).parent
RIGHTHAND = str(BIN / "righthand")
KHAL = shutil.which("khal", path=str(BIN)) or shutil.which("khal")
ZONE = "America/New_York"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


_EVENT = re.compile(r"\w+ with [\w ]+ #\d+(?: \(moved\))?")


def righthand_titles(text: str) -> list[str]:
    return sorted(_EVENT.search(line.split(": ", 1)[1]).group(0)  # type: ignore[union-attr]
                  for line in text.splitlines() if line.startswith("- "))


def khal_titles(text: str) -> list[str]:
    return sorted(_EVENT.search(line.split("|", 1)[1]).group(0)  # type: ignore[union-attr]
                  for line in text.splitlines() if "|" in line)


def main() -> None:
    if KHAL is None:
        print("khal is not installed: pip install -e '.[bench]' (the 'bench' extra)",
              file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        day = calgen.generate(root / "vdir", events=EVENTS, recurring=EVENTS // 5,
                              around=date.today())
        env = {**os.environ, "RIGHTHAND_HOME": str(root / "home"), "TZ": ZONE}
        env.pop("RIGHTHAND_DATABASE_URL", None)
        subprocess.run([RIGHTHAND, "init", "--client", "Bench", "--timezone", ZONE,
                        "--phase", "III"], env=env, check=True, capture_output=True)
        config = root / "khal.conf"
        config.write_text(f"[calendars]\n[[bench]]\npath = {root / 'vdir'}\n[locale]\n"
                          f"local_timezone = {ZONE}\ndefault_timezone = {ZONE}\n"
                          "timeformat = %H:%M\ndateformat = %Y-%m-%d\n"
                          "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
                          "longdatetimeformat = %Y-%m-%d %H:%M\n"
                          f"[sqlite]\npath = {root / 'khal.db'}\n")
        khal = [KHAL, "-c", str(config), "list", "--day-format", "",
                "--format", "{start-time}|{title}", day.isoformat(), "1d"]
        agenda = [RIGHTHAND, "calendar", "agenda", day.isoformat()]
        imported, _ = timed([RIGHTHAND, "calendar", "import", str(root / "vdir")], env)
        first_answer, ours = timed(agenda, env)
        khal_first, theirs = timed(khal, env)
        ours_warm = [timed(agenda, env)[0] for _ in range(RUNS)]
        khal_warm = [timed(khal, env)[0] for _ in range(RUNS)]
    mine, other = righthand_titles(ours), khal_titles(theirs)
    same = mine == other
    first = imported + first_answer
    print(f"righthand: import {imported:.2f} s + first agenda {first_answer:.3f} s; "
          f"warm median {statistics.median(ours_warm):.3f} s; {len(mine)} events on {day}")
    print(f"khal: first list {khal_first:.2f} s; warm median {statistics.median(khal_warm):.3f} "
          f"s; {len(other)} events")
    if not same:
        print("only righthand:", sorted(set(mine) - set(other))[:5])
        print("only khal:", sorted(set(other) - set(mine))[:5])
    print(json.dumps({"events": EVENTS, "first_ratio": round(khal_first / first, 2),
                      "warm_ratio": round(statistics.median(khal_warm)
                                          / statistics.median(ours_warm), 2),
                      "righthand_warm_s": round(statistics.median(ours_warm), 3),
                      "khal_warm_s": round(statistics.median(khal_warm), 3),
                      "same_events": same}))


if __name__ == "__main__":
    main()
