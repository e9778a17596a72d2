#!/usr/bin/env python3
"""Shrink a failing fuzz scenario to a small one that fails the same way.

Greedy reduction: repeatedly try deleting a doer (anywhere in the tree or
in an extend), deleting an op, dropping optional keys and simplifying
values; keep a change when the scenario is still valid for the oracle and
the Rust runner still differs from Python hio with the same *signature*
(which part differs first, and the Rust error message if there is one).
Finally renames the doers to short names.

Usage::

    shrink.py FAILING.json --runner PATH [-o OUT.json] [--show]

Prints the reduced scenario, the first difference, and the Python and Rust
traces side by side.
"""

import argparse
import copy
import json
import re
import sys

import fuzz
import hio_oracle


def verdict(sc, runner):
    """(signature or None, detail): None when the scenario is not a valid
    failing one."""
    v, detail, _, _ = fuzz.check(sc, runner)
    if v != "fail" or detail.startswith("oracle"):
        return None, detail
    return fuzz.signature(detail), detail


def spec_lists(sc):
    """Every list that holds doer specs: the roots, DoDoer children, and
    the doers of extend ops (which may also hold names)."""
    out = [sc["doers"]]

    def walk(specs):
        for s in specs:
            if not isinstance(s, dict):
                continue
            if "doers" in s:
                out.append(s["doers"])
                walk(s["doers"])
            for op in s.get("ops") or []:
                if op.get("op") in ("extend", "remove"):
                    out.append(op["doers"])
                    walk(op["doers"])
    walk(sc["doers"])
    return out


def all_specs(sc):
    """Every doer spec dict of a scenario."""
    return list(hio_oracle.walk_specs(sc["doers"]))


def prune(sc):
    """Drop references to doers that no longer exist, and ops left empty."""
    names = {s["name"] for s in all_specs(sc)} | {"doist"}
    for s in all_specs(sc):
        ops = []
        for op in s.get("ops") or []:
            if op.get("target") not in names:
                continue
            if op["op"] in ("extend", "remove"):
                op["doers"] = [d for d in op["doers"]
                               if isinstance(d, dict) or d in names]
                if not op["doers"]:
                    continue
            ops.append(op)
        if ops:
            s["ops"] = ops
        else:
            s.pop("ops", None)
    return sc


def candidates(sc):
    """Smaller variants of a scenario, biggest cuts first."""
    n_lists = len(spec_lists(sc))
    for li in range(n_lists):
        for i in range(len(spec_lists(sc)[li])):
            c = copy.deepcopy(sc)
            lst = spec_lists(c)[li]
            item = lst[i]
            del lst[i]
            # splice a deleted DoDoer's children into its place
            yield prune(c)
            if isinstance(item, dict) and item.get("doers"):
                c = copy.deepcopy(sc)
                lst = spec_lists(c)[li]
                lst[i:i + 1] = lst[i]["doers"]
                yield prune(c)
    for si in range(len(all_specs(sc))):
        for oi in range(len(all_specs(sc)[si].get("ops") or [])):
            c = copy.deepcopy(sc)
            s = all_specs(c)[si]
            del s["ops"][oi]
            yield prune(c)
    simplify = [("tocks", None), ("returns", None), ("raise_at", None),
                ("always", None), ("tock", None), ("done_at", None)]
    for si in range(len(all_specs(sc))):
        for key, _ in simplify:
            if key in all_specs(sc)[si]:
                c = copy.deepcopy(sc)
                del all_specs(c)[si][key]
                yield c
        s = all_specs(sc)[si]
        if isinstance(s.get("done_at"), int) and s["done_at"] > 1:
            c = copy.deepcopy(sc)
            all_specs(c)[si]["done_at"] -= 1
            yield c
        if s.get("kind") == "doer":
            c = copy.deepcopy(sc)
            del all_specs(c)[si]["kind"]
            yield c
        for oi, op in enumerate(s.get("ops") or []):
            cnt = op.get("when", {}).get("count")
            if cnt and cnt > 1:
                c = copy.deepcopy(sc)
                all_specs(c)[si]["ops"][oi]["when"]["count"] = cnt - 1
                yield c
            if "tyme" in op.get("when", {}):
                for k in range(1, 9):
                    c = copy.deepcopy(sc)
                    all_specs(c)[si]["ops"][oi]["when"] = {"count": k}
                    yield c
    d = sc["doist"]
    for key in ("limit", "tyme"):
        if d.get(key) is not None:
            c = copy.deepcopy(sc)
            c["doist"][key] = None
            yield c
    for key in ("description", "max_passes"):
        if key in sc:
            c = copy.deepcopy(sc)
            del c[key]
            yield c


def rename(sc):
    """Short names: plain doers a, b, c ...; DoDoers P, Q, R ..."""
    lower = iter("abcdefghijklmnopqrstuvwxyz")
    upper = iter("PQRSTUVWXYZABCDEFGHIJKLMNO")
    mapping = {}
    for s in all_specs(sc):
        mapping[s["name"]] = next(upper if s.get("kind") == "dodoer" else lower)
    text = json.dumps(sc)
    for old, new in mapping.items():
        text = re.sub(r'"%s"' % re.escape(old), '"%s"' % new, text)
    return json.loads(text)


def shrink(sc, runner, log=print):
    """Greedy reduction to a local minimum."""
    sig, detail = verdict(sc, runner)
    if sig is None:
        raise SystemExit("the scenario does not fail: " + detail)
    log("signature: " + sig)
    changed = True
    while changed:
        changed = False
        for c in candidates(sc):
            s, _ = verdict(c, runner)
            if s == sig:
                sc = c
                changed = True
                break
    r = rename(sc)
    if verdict(r, runner)[0] == sig:
        sc = r
    return sc


def show(sc, runner):
    """Print the scenario, the first difference and both traces."""
    v, detail, ref, out = fuzz.check(sc, runner)
    print(json.dumps(sc, indent=1))
    print("first difference: " + detail)
    rt = ref["trace"] if ref else []
    gt = out["trace"] if out else []

    def fmt(e):
        if e is None:
            return ""
        f = e["feed"] if e["context"] != "recur" else ""
        return "%s %s %s %d %s" % (hio_oracle.rational_time(e["tyme"]), e["doer"],
                                   e["context"], e["count"], f or "")
    print("%-40s | %s" % ("python hio 0.6.10", "rust"))
    for i in range(max(len(rt), len(gt))):
        a = rt[i] if i < len(rt) else None
        b = gt[i] if i < len(gt) else None
        mark = " " if a and b and fuzz.first_difference(
            {"trace": [a], "final": {}}, {"trace": [b], "final": {}}) is None else "*"
        print("%-40s%s| %s" % (fmt(a), mark, fmt(b)))
    if ref:
        print("python final: " + json.dumps(ref["final"]))
    if out:
        print("rust final:   " + json.dumps(out["final"]))


def main(argv=None):
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--runner", required=True)
    ap.add_argument("-o", "--output")
    ap.add_argument("--show", action="store_true",
                    help="do not shrink, only show the difference")
    args = ap.parse_args(argv)
    with open(args.scenario) as f:
        sc = json.load(f)
    if not args.show:
        sc = shrink(sc, args.runner)
    if args.output:
        with open(args.output, "w") as f:
            json.dump(sc, f, indent=1)
    show(sc, args.runner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
