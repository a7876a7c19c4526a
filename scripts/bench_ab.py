#!/usr/bin/env python3
"""Interleaved A/B of Knotwork binaries on one site: clean builds, or
rebuilds after one edit.

    python3 scripts/bench_ab.py [--edit] RUNS SITE LABEL=BINARY [LABEL=BINARY ...]

Each round builds SITE once with every binary, in turn, into /dev/shm/o
with the site's .knotwork-cache removed first (a clean build, as the bench
script's clean rows), under GNU time. Interleaving matters on a shared
host whose speed moves by 15 % within minutes: medians of interleaved runs
compare, runs of one binary after another do not. Prints the median wall
time, CPU time (user + system), system time and peak resident memory.
Environment variables for a binary go before it: LABEL='ENV=1 BINARY'.

With --edit, each build is a rebuild after one edit, as the bench script's
edit rows: a sentence is appended to the first article of content/blog/
(which keeps growing: use a copy of the corpus), and the site is rebuilt
into /tmp/knotwork-ab-edit on disk, with its cache, after the build
before it. The binaries then share the cache and the output, so compare
binaries of one Knotwork version (the cache's key holds it) that build
the same pages.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

EDIT_OUTPUT = "/tmp/knotwork-ab-edit"


def main():
    args = sys.argv[1:]
    edit = bool(args) and args[0] == "--edit"
    if edit:
        args = args[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    runs, site = int(args[0]), args[1]
    binaries = [arg.split("=", 1) for arg in args[2:]]
    if edit:
        article = first_article(site)
        for _, command in binaries:  # the output and cache in place
            build(site, command, EDIT_OUTPUT)
    results = {label: [] for label, _ in binaries}
    for _ in range(runs):
        for label, command in binaries:
            if edit:
                with open(article, "a", encoding="utf-8") as f:
                    f.write(f"\nOne more sentence, written at {time.time()}.\n")
                results[label].append(build(site, command, EDIT_OUTPUT))
            else:
                shutil.rmtree("/dev/shm/o", ignore_errors=True)
                shutil.rmtree(f"{site}/.knotwork-cache", ignore_errors=True)
                results[label].append(build(site, command, "/dev/shm/o"))
    for label, _ in binaries:
        rows = results[label]
        median = lambda k: statistics.median(row[k] for row in rows)
        print(f"{label:12} wall {median(0):.3f} s  cpu {median(1):.3f} s  "
              f"sys {median(2):.3f} s  peak {median(3):.0f} MiB  "
              f"(walls {[round(row[0], 3) for row in rows]})")


def build(site, command, output):
    """One build under GNU time: wall, CPU and system seconds, peak MiB.
    The wall time is Python's clock around it (GNU time's has 10 ms
    steps, too coarse for a rebuild): it includes starting bash and GNU
    time, the same few milliseconds for every binary."""
    started = time.perf_counter()
    timed = subprocess.run(
        ["bash", "-c",
         f"cd {site} && /usr/bin/time -f '%U %S %M' env {command} "
         f"build --output-dir {output} 2>&1 >/dev/null | tail -1"],
        capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    user, system, kib = timed.stdout.split()
    return wall, float(user) + float(system), float(system), int(kib) / 1024


def first_article(site):
    blog = os.path.join(site, "content", "blog")
    return os.path.join(blog, sorted(n for n in os.listdir(blog) if n.endswith(".md"))[0])


if __name__ == "__main__":
    main()
