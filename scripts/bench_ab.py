#!/usr/bin/env python3
"""Interleaved A/B of Knotwork binaries on one site: clean builds.

    python3 scripts/bench_ab.py RUNS SITE LABEL=BINARY [LABEL=BINARY ...]

Each round builds SITE once with every binary, in turn, into /dev/shm/o
with the site's .knotwork-cache removed first (a clean build, as the bench
script's clean rows), under GNU time. Interleaving matters on a shared
host whose speed moves by 15 % within minutes: medians of interleaved runs
compare, runs of one binary after another do not. Prints the median wall
time, CPU time (user + system), system time and peak resident memory.
Environment variables for a binary go before it: LABEL='ENV=1 BINARY'.
"""
import shutil
import statistics
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    runs, site = int(sys.argv[1]), sys.argv[2]
    binaries = [arg.split("=", 1) for arg in sys.argv[3:]]
    results = {label: [] for label, _ in binaries}
    for _ in range(runs):
        for label, command in binaries:
            shutil.rmtree("/dev/shm/o", ignore_errors=True)
            shutil.rmtree(f"{site}/.knotwork-cache", ignore_errors=True)
            timed = subprocess.run(
                ["bash", "-c",
                 f"cd {site} && /usr/bin/time -f '%e %U %S %M' env {command} "
                 "build --output-dir /dev/shm/o 2>&1 >/dev/null | tail -1"],
                capture_output=True, text=True, check=True)
            wall, user, system, kib = timed.stdout.split()
            results[label].append(
                (float(wall), float(user) + float(system), float(system), int(kib) / 1024))
    for label, _ in binaries:
        rows = results[label]
        median = lambda k: statistics.median(row[k] for row in rows)
        print(f"{label:12} wall {median(0):.3f} s  cpu {median(1):.3f} s  "
              f"sys {median(2):.3f} s  peak {median(3):.0f} MiB  "
              f"(walls {[row[0] for row in rows]})")


if __name__ == "__main__":
    main()
