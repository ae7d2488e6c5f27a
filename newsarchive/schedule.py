"""Running crawls on a schedule: cron lines and systemd timer units for the user's paths.

`newsarchive schedule --every 1h` prints them; nothing is installed by the tool itself.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

__all__ = ["Interval", "crontab_line", "parse_interval", "systemd_units"]

_INTERVAL_RE = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Interval:
    """How often to run: every `count` minutes, hours or days (`unit` "m", "h" or "d")."""

    count: int
    unit: str

    def cron(self) -> str:
        """The five cron time fields."""
        if self.unit == "m":
            return f"*/{self.count} * * * *"
        if self.unit == "h":
            return "0 * * * *" if self.count == 1 else f"0 */{self.count} * * *"
        return "0 3 * * *" if self.count == 1 else f"0 3 */{self.count} * *"

    def on_calendar(self) -> str:
        """The systemd `OnCalendar=` expression."""
        if self.unit == "m":
            return f"*:0/{self.count}"
        if self.unit == "h":
            return "hourly" if self.count == 1 else f"*-*-* 0/{self.count}:00:00"
        return "*-*-* 03:00:00" if self.count == 1 else f"*-*-1/{self.count} 03:00:00"


def parse_interval(text: str) -> Interval:
    """`15m`, `1h`, `6h`, `1d`… as an `Interval`; ValueError for anything cron cannot
    repeat evenly (minutes must divide an hour, hours a day)."""
    match = _INTERVAL_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an interval such as 15m, 1h, 6h or 1d")
    count, unit = int(match.group(1)), match.group(2).lower()[0]
    limits = {"m": 60, "h": 24, "d": 31}
    if count < 1 or (unit in "mh" and limits[unit] % count) or count > limits[unit]:
        divisors = "a divisor of 60" if unit == "m" else "a divisor of 24"
        raise ValueError(
            f"{text!r} cannot be scheduled evenly: use {divisors}"
            if unit in "mh"
            else f"{text!r}: use 1d to 31d"
        )
    return Interval(count, unit)


def crontab_line(interval: Interval, workdir: str, command: list[str]) -> str:
    """A crontab line that runs `command` in `workdir` at `interval`."""
    return f"{interval.cron()} cd {shlex.quote(workdir)} && {shlex.join(command)}"


def systemd_units(interval: Interval, workdir: str, command: list[str]) -> dict[str, str]:
    """The `newsarchive-crawl.service` and `.timer` unit files, by file name."""
    service = f"""[Unit]
Description=newsarchive crawl
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
WorkingDirectory={workdir}
ExecStart={shlex.join(command)}
# 75: another crawl of this archive was still running; not a failure.
SuccessExitStatus=75
# On `systemctl stop`, SIGTERM goes to the crawl alone, which stops its workers itself and
# ends within about 10 s (downloads still under way are aborted after 5 s); it is killed
# if it has not ended in 30 s (the default, 90 s, is longer than a stop ever needs).
KillMode=mixed
TimeoutStopSec=30
"""
    timer = f"""[Unit]
Description=Run the newsarchive crawl on a schedule

[Timer]
OnCalendar={interval.on_calendar()}
Persistent=true
RandomizedDelaySec=60

[Install]
WantedBy=timers.target
"""
    return {"newsarchive-crawl.service": service, "newsarchive-crawl.timer": timer}
