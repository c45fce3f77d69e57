#!/usr/bin/env python3
"""Writes checkout-incidents.csv: a synthetic two-year incident history drawn from KNOWN
distributions, so that `sim fit` can be seen to recover them (docs/fit.md lists the true
values next to the fitted ones).

Deterministic: one seeded generator per group, standard library only. Each group's failure
process starts a year before the window (so the window opens in the middle of an up time,
as in real life); an incident that straddles observed_to is written with an empty end
(still open), one that straddles observed_from is left out (it began before anyone looked).

    python3 scenarios/incidents/generate.py > scenarios/incidents/checkout-incidents.csv
"""
import csv
import datetime as dt
import math
import random
import sys

FROM = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
TO = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
DAY = 86400.0

# (component, mode, seed, time-to-failure draw, time-to-repair draw), all in seconds.
# The true laws, in the scenario format's parameters:
GROUPS = [
    # Database hosts: Weibull ttf (shape 0.8, scale 60d: decreasing hazard, as in
    # Schroeder & Gibson 2006), lognormal repair (median 30m, sigma 0.9).
    ("postgres", "host-failure", 11,
     lambda r: 60 * DAY * r.weibullvariate(1.0, 0.8),
     lambda r: 1800.0 * math.exp(0.9 * r.gauss(0.0, 1.0))),
    # API process crashes: exponential ttf (mean 9d), gamma repair (shape 2, mean 6m).
    ("api", "process-crash", 12,
     lambda r: r.expovariate(1.0 / (9 * DAY)),
     lambda r: r.gammavariate(2.0, 360.0 / 2.0)),
    # Bad deploys of the API: gamma ttf (shape 3, mean 30d), lognormal rollback
    # (median 40m, sigma 0.7).
    ("api", "bad-deploy", 23,
     lambda r: r.gammavariate(3.0, 30 * DAY / 3.0),
     lambda r: 2400.0 * math.exp(0.7 * r.gauss(0.0, 1.0))),
    # The load balancer: exponential ttf (mean 1y), exponential repair (mean 2h): a handful
    # of incidents at most, so only the exponential is fitted.
    ("load-balancer", "host-failure", 14,
     lambda r: r.expovariate(1.0 / (365 * DAY)),
     lambda r: r.expovariate(1.0 / 7200.0)),
]

TITLES = ["Elevated 5xx, checkout degraded", "Pager: \"latency p99\" > 2s", "Auto-created, see runbook"]


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def incidents():
    """Each component as the scenario format runs it: from each repair, every mode draws a
    time to failure (from its own seeded generator), the earliest fails the component with
    that mode, and that mode's repair follows (docs/scenario-format.md, "Competing failure
    modes"). A component with one mode is a plain renewal process."""
    rows = []
    components = []
    for group in GROUPS:
        if group[0] not in components:
            components.append(group[0])
    for component in components:
        modes = [(mode, random.Random(seed), ttf, ttr)
                 for c, mode, seed, ttf, ttr in GROUPS if c == component]
        t = FROM - dt.timedelta(days=365)
        while True:
            draws = [(ttf(r), mode, r, ttr) for mode, r, ttf, ttr in modes]
            up, mode, r, ttr = min(draws, key=lambda d: d[0])
            start = t + dt.timedelta(seconds=round(up))
            end = start + dt.timedelta(seconds=max(1, round(ttr(r))))
            if start >= TO:
                break
            if start >= FROM:
                rows.append((start, None if end > TO else end, component, mode))
            t = end
    rows.sort(key=lambda row: (row[0], row[2], row[3]))
    return rows


def main():
    writer = csv.writer(sys.stdout, lineterminator="\n")
    # Columns sim fit ignores (id, title) are kept to look like a real export.
    writer.writerow(["id", "title", "component", "mode", "start", "end",
                     "observed_from", "observed_to"])
    for number, (start, end, component, mode) in enumerate(incidents(), 1):
        first = number == 1
        writer.writerow([f"INC-{number:04d}", TITLES[number % len(TITLES)], component, mode,
                         stamp(start), stamp(end) if end else "",
                         stamp(FROM) if first else "", stamp(TO) if first else ""])


if __name__ == "__main__":
    main()
