#!/usr/bin/env python3
"""Check the oracle against the public conformance files.

For every ``expected/NAME.json`` in the conformance directory (default
``../../../shared/conformance`` relative to this file, or ``--dir``):

* the oracle's normal run must reproduce the top-level ``trace`` and
  ``final`` exactly (times compared as doubles, as FORMAT.md section 4 asks);
* the ``--exact`` run must reproduce the ``exact`` section (``scale``, and
  the decimal strings character for character) when the file has one;
  otherwise it must agree with the top level as exact rationals (this is
  what ``float_exact: true`` claims);
* ``time_unit`` must equal ``1/N`` for the oracle's N.

Prints one line per scenario and a summary ``N passed, M failed``; exits 1
on any failure.
"""

import argparse
import json
import os
import sys
from fractions import Fraction

import hio_oracle

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared",
                                            "conformance"))


def first_diff(want, got, path=""):
    """Path and values of the first difference between two JSON values
    (exact comparison; ints and floats compare by value), or None."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in list(want) + [k for k in got if k not in want]:
            if k not in want or k not in got:
                return "%s.%s: expected %s, got %s" % (
                    path, k, json.dumps(want.get(k, "<missing>")),
                    json.dumps(got.get(k, "<missing>")))
            d = first_diff(want[k], got[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(want, list) and isinstance(got, list):
        for i, (a, b) in enumerate(zip(want, got)):
            d = first_diff(a, b, "%s[%d]" % (path, i))
            if d:
                return d
        if len(want) != len(got):
            return "%s: length %d expected, got %d" % (path, len(want), len(got))
        return None
    if type(want) is bool or type(got) is bool or want is None or got is None:
        ok = want is got
    else:
        ok = want == got
    return None if ok else "%s: expected %s, got %s" % (
        path, json.dumps(want), json.dumps(got))


def as_rational(v):
    """A ``final`` dict or a trace list with its times as exact rationals
    (numbers via their shortest decimal, decimal strings exactly), for a
    comparison by value."""
    if isinstance(v, list):
        return [hio_oracle.rational_event(e) for e in v]
    return hio_oracle.rational_final(v)


def check(name, scdir, expdir):
    """Problems found for one scenario (empty list when it matches)."""
    with open(os.path.join(scdir, name + ".json")) as f:
        sc = json.load(f)
    with open(os.path.join(expdir, name + ".json")) as f:
        exp = json.load(f)
    errs = []
    out = hio_oracle.run_scenario(sc)
    if "problem" in out:
        return ["oracle reports a harness problem: " + out["problem"]]
    for key in ("final", "trace"):
        d = first_diff(exp[key], out[key], key)
        if d:
            errs.append("float run: " + d)
    n = hio_oracle.time_unit(sc)
    if exp.get("time_unit") != "1/%d" % n:
        errs.append("time_unit: expected %s, oracle N = %d" % (exp.get("time_unit"), n))
    ex = hio_oracle.run_scenario(sc, exact=True)
    if "problem" in ex:
        return errs + ["exact run: harness problem: " + ex["problem"]]
    if "exact" in exp:
        if exp.get("float_exact") is not False:
            errs.append("file has an exact section but float_exact is not false")
        if exp["exact"].get("scale") != ex["scale"]:
            errs.append("exact.scale: expected %s, got %s" % (exp["exact"].get("scale"),
                                                              ex["scale"]))
        for key in ("final", "trace"):
            d = first_diff(exp["exact"][key], ex[key], "exact." + key)
            if d:
                errs.append("exact run: " + d)
        same = (as_rational(out["trace"]) == as_rational(ex["trace"]) and
                as_rational(out["final"]) == as_rational(ex["final"]))
        if same:
            errs.append("float and exact runs agree but the file says float_exact false")
    else:
        if exp.get("float_exact") is not True:
            errs.append("no exact section but float_exact is not true")
        for key in ("final", "trace"):
            d = first_diff(as_rational(exp[key]), as_rational(ex[key]), "exact-vs-top." + key)
            if d:
                errs.append("exact run differs from the top level (as rationals): " + d)
    return errs


def main(argv=None):
    """CLI: ``validate.py [--dir CONFORMANCE_DIR]``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=DEFAULT_DIR,
                    help="conformance directory with scenarios/ and expected/")
    args = ap.parse_args(argv)
    scdir = os.path.join(args.dir, "scenarios")
    expdir = os.path.join(args.dir, "expected")
    names = sorted(f[:-5] for f in os.listdir(expdir) if f.endswith(".json"))
    passed = failed = 0
    for name in names:
        errs = check(name, scdir, expdir)
        if errs:
            failed += 1
            print("FAIL %s" % name)
            for e in errs:
                print("    " + e)
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not names else 0


if __name__ == "__main__":
    sys.exit(main())
