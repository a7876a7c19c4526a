#!/usr/bin/env python3
"""The "where does it hurt?" index recomputed from the site's data.

For every body region (the theme's regions.toml, with the site's
content/regions.toml laid over it), the muscles whose trigger points refer
pain there, essential zones first, as the finder pages list them. Regions
no muscle reaches are listed last: check each against the literature before
calling the site complete (a region may truly have none among the muscles
on the site).

    python3 scripts/region_index.py [site-folder]     # default: .
    python3 scripts/region_index.py --empty-only

Needs Python 3.11+ (tomllib); reads files only.
"""

import sys
import tomllib
from pathlib import Path


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def regions(site):
    """Region id -> name, in the theme's order, with the site's changes."""
    names = {}
    theme = site / "themes" / "default" / "regions.toml"
    builtin = Path(__file__).resolve().parent.parent / "themes" / "default" / "regions.toml"
    for entry in load(theme if theme.exists() else builtin).get("regions", []):
        names[entry["id"]] = entry.get("name", entry["id"])
    own = site / "content" / "regions.toml"
    if own.exists():
        for entry in load(own).get("regions", []):
            if "name" in entry or entry["id"] not in names:
                names[entry["id"]] = entry.get("name", names.get(entry["id"], entry["id"]))
    return names


def referrals(site):
    """Region id -> list of (zone, muscle name, trigger point name)."""
    index = {}
    for path in sorted((site / "content" / "muscles").glob("*.toml")):
        if path.stem.count(".") or path.name.startswith("."):
            continue  # translations (<id>.<lang>.toml)
        muscle = load(path)
        for n, tp in enumerate(muscle.get("trigger_points", []), 1):
            label = tp.get("name", f"trigger point {n}")
            for zone in ("referral", "spillover"):
                for region in tp.get(zone, []):
                    index.setdefault(region, []).append(
                        ("essential" if zone == "referral" else "spillover", muscle["name"], label)
                    )
    return index


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    empty_only = "--empty-only" in sys.argv
    site = Path(args[0] if args else ".")
    names = regions(site)
    index = referrals(site)
    unknown = sorted(set(index) - set(names))
    empty = []
    for rid, name in names.items():
        found = index.get(rid, [])
        if not found:
            empty.append((rid, name))
            continue
        if empty_only:
            continue
        essential = sorted({m for z, m, _ in found if z == "essential"})
        spill = sorted({m for z, m, _ in found if z == "spillover"} - set(essential))
        print(f"{name} ({rid}): {len(essential)} essential, {len(spill)} spillover")
        if essential:
            print("    essential: " + ", ".join(essential))
        if spill:
            print("    spillover: " + ", ".join(spill))
    print(f"\nRegions no muscle on the site refers pain to ({len(empty)} of {len(names)}):")
    for rid, name in empty:
        print(f"    {name} ({rid})")
    if unknown:
        print("\nRegion ids in muscle files that are not regions: " + ", ".join(unknown))
        sys.exit(1)


if __name__ == "__main__":
    main()
