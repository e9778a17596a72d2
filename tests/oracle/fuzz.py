#!/usr/bin/env python3
"""Differential fuzzing: random scenarios on real Python hio vs the Rust port.

For each of ``--count`` scenarios drawn from a seeded generator
(:class:`ScenarioGen`, stdlib ``random`` with an explicit seed, so a seed
and count always give the same scenarios), this:

1. runs the scenario on Python hio 0.6.10 through :mod:`hio_oracle`, both
   as written (binary64 floats) and in exact mode (every time scaled by the
   scenario's least common denominator);
2. discards it if the oracle reports a harness problem (the scenario broke a
   harness restriction of FORMAT.md section 2 at run time, hit
   ``max_passes``, or orphaned doers in a failing extend; see
   :mod:`hio_oracle`);
3. runs it with the Rust conformance runner (``--runner PATH``);
4. compares the two event by event and field by field. Times are compared as
   exact rationals. The Rust port keeps integer nanoseconds, so the reference
   is the exact run when the scenario has non-binary times (0.1 ...) and the
   float run otherwise (for those the two runs must agree, which is checked
   as well).

A Rust runner that exits 2 with "re-extending DoDoer X by name is not
supported" is counted as *unsupported*, not as a failure.

Each failing scenario is written to ``failures/SEED_K.json`` (next to this
file, or ``--failures DIR``) with the first difference in its
``description``. The last line of the output is ``N passed, M failed``.

Usage::

    fuzz.py --seed S --count C --runner PATH [--failures DIR] [--repros DIR] [-v]

``--repros DIR`` first checks every scenario in DIR (minimal regression
cases); they count in the totals and must match.

Exit status: 0 when nothing failed, 1 otherwise.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from fractions import Fraction

import hio_oracle

HERE = os.path.dirname(os.path.abspath(__file__))

UNSUPPORTED = "by name is not supported"

# --------------------------------------------------------------------------
# scenario generator


def num(q):
    """A rational time as a JSON number (exact for the values we generate:
    binary fractions of at most 1/512 s and short decimals)."""
    return float(q)


class ScenarioGen:
    """Seeded random generator of valid scenarios.

    Validity (FORMAT.md section 2) is kept by construction where it is easy:

    * extend/remove ops of a doer only target ``doist`` or one of the doer's
      ancestor DoDoers, which are running whenever the doer runs;
    * inline specs are fresh, so they are not listed anywhere;
    * a removed doer is re-extended by name only by the doer that removed
      it, by a later op (so it is normally unlisted and closed by then), and
      only if it has no ops of its own;
    * no op lists a doer twice; within one extend only the last doer (and
      its subtree) may raise in enter.

    What cannot be guaranteed statically (e.g. a doer removed before its
    container runs an op that re-extends it) is caught by the oracle, and
    the scenario is discarded.
    """

    MAX_DOERS = 14  # keeps every scheduler well below the port's capacity (16)

    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)

    # ---- small helpers

    def chance(self, p):
        """True with probability p."""
        return self.rng.random() < p

    def pick(self, seq):
        """One element of a sequence."""
        return self.rng.choice(list(seq))

    def fresh(self, kind):
        """A new unique doer name."""
        self.serial += 1
        return ("D%d" if kind == "dodoer" else "n%d") % self.serial

    def tock_value(self, allow_zero=True):
        """A tock from the scenario's menu (a Fraction)."""
        if self.tock0:
            return Fraction(0)
        menu = list(self.menu)
        if allow_zero:
            menu += [Fraction(0)] * 2
        return self.pick(menu)

    # ---- whole scenario

    def scenario(self, sc_name):
        """One random scenario dict named ``sc_name``."""
        rng = self.rng
        self.serial = 0
        self.ndoers = 0
        self.decimal = self.chance(0.15)
        self.tock0 = False
        if self.decimal:
            T = self.pick([Fraction(1, 10), Fraction(1, 5), Fraction(3, 10),
                           Fraction(1, 20), Fraction(1, 4)])
            extra = [Fraction(1, 10), Fraction(1, 5), Fraction(3, 10),
                     Fraction(3, 20), Fraction(1, 4), Fraction(1, 2)]
        elif self.chance(0.07):
            T = Fraction(0)
            self.tock0 = True
            extra = []
        else:
            T = self.pick([Fraction(1, 4), Fraction(1, 2), Fraction(1, 32),
                           Fraction(3, 8), Fraction(1, 8), Fraction(1),
                           Fraction(1, 16), Fraction(1, 128), Fraction(3, 4)])
            extra = [Fraction(1, 32), Fraction(1, 4), Fraction(3, 8),
                     Fraction(1, 2), Fraction(3, 512), Fraction(5, 64)]
        self.T = T
        unit = T if T else Fraction(1, 4)
        self.unit = unit
        factors = [Fraction(1, 2), Fraction(1), Fraction(1), Fraction(3, 2),
                   Fraction(2), Fraction(3), Fraction(3, 4), Fraction(5, 4)]
        self.menu = sorted({unit * f for f in factors} | set(extra))
        if not self.decimal:
            self.menu = [q for q in self.menu if (q * 512).denominator == 1]
        # limit
        r = rng.random()
        if r < 0.3:
            limit = None
        elif r < 0.4:
            limit = Fraction(0)
        else:
            limit = unit * rng.randint(1, 24)
            if self.chance(0.25):
                limit += Fraction(1, 10) if self.decimal else unit / self.pick([2, 4])
        self.needs_end = not limit or T == 0
        # start tyme
        r = rng.random()
        if r < 0.5:
            start = None
        elif r < 0.6:
            start = Fraction(0)
        else:
            start = unit * rng.randint(1, 8)
            if self.chance(0.3):
                start += Fraction(1, 10) if self.decimal else Fraction(1, 32)
        self.start = start or Fraction(0)
        doist = {"tock": num(T), "real": False,
                 "limit": num(limit) if limit is not None else None}
        if start is not None:
            doist["tyme"] = num(start)
        # tree
        roots = []
        nroots = rng.randint(1, 5)
        for i in range(nroots):
            roots.append(self.spec(depth=1, parent="doist", anc=["doist"],
                                   may_raise_in_enter=True))
        self.meta = {}
        self.children = {"doist": [s["name"] for s in roots]}
        self.index(roots, "doist", ["doist"])
        # ops, on a snapshot of the doers (inline specs added by extends get
        # their own ops as they are created)
        for name in list(self.meta):
            self.add_ops(name)
        sc = {"name": sc_name, "description": "fuzz seed %d" % self.seed,
              "doist": doist, "max_passes": 2000, "doers": roots}
        return sc

    def index(self, specs, parent, anc):
        """Record parent, ancestors and children of the given specs."""
        for s in specs:
            self.meta[s["name"]] = {"spec": s, "parent": parent, "anc": list(anc)}
            if s.get("kind") == "dodoer":
                kids = s.get("doers", [])
                self.children[s["name"]] = [k["name"] for k in kids]
                self.index(kids, s["name"], anc + [s["name"]])

    # ---- one doer

    def spec(self, depth, parent, anc, may_raise_in_enter):
        """A random doer spec (with children for a DoDoer, without ops)."""
        rng = self.rng
        self.ndoers += 1
        kinds = ["doer"] * 40 + ["redoer"] * 20 + ["genfunc"] * 15
        if depth < 3 and self.ndoers < self.MAX_DOERS - 2:
            kinds += ["dodoer"] * 25
        kind = self.pick(kinds)
        name = self.fresh(kind)
        s = {"name": name}
        if kind != "doer" or self.chance(0.3):
            s["kind"] = kind
        tock = self.tock_value()
        if tock or self.chance(0.5):
            s["tock"] = num(tock)
        if kind == "dodoer":
            n = rng.choice([0, 1, 1, 2, 2, 3])
            kids = []
            for i in range(n):
                if self.ndoers >= self.MAX_DOERS:
                    break
                kids.append(self.spec(depth + 1, name, anc + [name],
                                      may_raise_in_enter))
            s["doers"] = kids
            if not self.needs_end and self.chance(0.2):
                s["always"] = True
            elif self.chance(0.1):
                s["always"] = False
            return s
        # completion
        if self.needs_end or self.chance(0.7):
            s["done_at"] = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
            if self.chance(0.05):
                s["done_at"] = None  # may run forever: such runs get capped
        elif self.chance(0.5):
            s["done_at"] = None
        if self.chance(0.1):
            lo = 0 if may_raise_in_enter else 1
            s["raise_at"] = rng.randint(lo, 6)
        if kind in ("redoer", "genfunc"):
            if self.chance(0.45):
                n = rng.randint(1, 3)
                s["tocks"] = [None if self.chance(0.25) else num(self.tock_value())
                              for _ in range(n)]
            if self.chance(0.6):
                s["returns"] = self.pick([True, False, None])
        return s

    # ---- ops

    def last_count(self, s):
        """The last recur count at which an op of this doer can fire."""
        ends = [x for x in (s.get("done_at"), s.get("raise_at")) if x]
        return min(ends) if ends else 6

    def when(self, s, after=0):
        """A trigger: mostly a recur count, sometimes a tyme."""
        last = max(self.last_count(s), after + 1)
        if after == 0 and self.chance(0.2):
            t = self.start + self.unit * self.rng.randint(0, 6)
            if self.chance(0.3):
                t += self.unit / 2
            return {"tyme": num(t)}
        return {"count": self.rng.randint(after + 1, last)}

    def add_ops(self, name):
        """Give doer ``name`` 0..3 random ops."""
        m = self.meta[name]
        s = m["spec"]
        if s.get("done_at") == 0 or s.get("raise_at") == 0 or m.get("frozen"):
            return
        rng = self.rng
        n = rng.choice([0, 0, 0, 1, 1, 1, 2, 2, 3])
        ops = s["ops"] = []  # present while pending: not a re-extend candidate
        for _ in range(n):
            r = rng.random()
            if r < 0.35:
                op = self.extend_op(name)
            elif r < 0.7:
                op = self.remove_ops(name)
            else:
                op = self.set_tock_op(name)
            if op:
                ops.extend(op if isinstance(op, list) else [op])
        if not ops:
            del s["ops"]

    def anc_of(self, name):
        """Containers that are running whenever ``name`` runs: the doist
        and its ancestor DoDoers."""
        return self.meta[name]["anc"]

    def extend_op(self, name):
        """Extend the doist or an ancestor with 1..2 new doers."""
        if self.ndoers >= self.MAX_DOERS:
            return None
        s = self.meta[name]["spec"]
        anc = self.anc_of(name)
        target = self.pick(anc)
        n = self.rng.choice([1, 1, 2])
        new = []
        tanc = anc[:anc.index(target) + 1]
        depth = len(tanc)
        for i in range(n):
            if self.ndoers >= self.MAX_DOERS:
                break
            new.append(self.spec(depth=depth, parent=target, anc=tanc,
                                 may_raise_in_enter=(i == n - 1)))
        if not new:
            return None
        op = {"when": self.when(s), "op": "extend", "target": target,
              "doers": new}
        self.index(new, target, tanc)
        self.children[target].extend(d["name"] for d in new)
        for d in new:  # the new doers (and their subtrees) get ops too
            for sub in hio_oracle.walk_specs([d]):
                if sub["name"] in self.meta and "ops" not in sub:
                    self.add_ops(sub["name"])
        return op

    def remove_ops(self, name):
        """Remove 1..2 doers (maybe the actor itself or a running ancestor)
        from the doist or an ancestor; sometimes re-extend a removed one
        by name later."""
        s = self.meta[name]["spec"]
        target = self.pick(self.anc_of(name))
        cands = list(self.children.get(target, []))
        if not cands:
            return None
        k = min(len(cands), self.rng.choice([1, 1, 2]))
        victims = self.rng.sample(cands, k)
        when = self.when(s)
        ops = [{"when": when, "op": "remove", "target": target,
                "doers": victims}]
        # re-extend by name: a removed doer that is not the actor nor one of
        # its ancestors, and has no ops of its own
        if "count" in when and self.chance(0.35):
            again = [v for v in victims
                     if v != name and v not in self.anc_of(name)
                     and not any("ops" in x for x in
                                 hio_oracle.walk_specs([self.meta[v]["spec"]]))
                     and (self.meta[v]["spec"].get("kind", "doer") != "dodoer"
                          or self.chance(0.15))]
            if again and when["count"] < self.last_count(s):
                v = self.pick(again)
                # its ops would target the containers of its old place
                for x in hio_oracle.walk_specs([self.meta[v]["spec"]]):
                    self.meta[x["name"]]["frozen"] = True
                into = self.pick(self.anc_of(name))
                ops.append({"when": self.when(s, after=when["count"]),
                            "op": "extend", "target": into, "doers": [v]})
        return ops

    def set_tock_op(self, name):
        """Set the tock of the doist, the actor, a sibling or an ancestor."""
        s = self.meta[name]["spec"]
        parent = self.meta[name]["parent"]
        cands = ["doist", "doist", name] + list(self.children.get(parent, []))
        cands += [a for a in self.anc_of(name) if a != "doist"]
        cands = [c for c in cands
                 if c == "doist" or self.meta[c]["spec"].get("kind") != "genfunc"]
        target = self.pick(cands)
        if self.tock0 and target == "doist" and self.chance(0.5):
            value = self.pick([Fraction(1, 4), Fraction(1, 2)])
        elif self.tock0:
            value = Fraction(0)
        else:
            value = self.tock_value(allow_zero=(target != "doist" or self.chance(0.1)))
        return {"when": self.when(s), "op": "set_tock", "target": target,
                "tock": num(value)}


# --------------------------------------------------------------------------
# running and comparing


def is_binary(sc):
    """True when every time in the scenario is a binary fraction (then float
    and exact arithmetic must agree)."""
    n = hio_oracle.time_unit(sc)
    return n & (n - 1) == 0


def run_rust(runner, sc):
    """Run the Rust conformance runner on a scenario.

    Returns (status, output, message): status is ``ok`` (output is the
    parsed JSON), ``unsupported``, ``capped`` or ``error``."""
    fd, path = tempfile.mkstemp(suffix=".json", prefix="hio-fuzz-")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(sc, f)
        p = subprocess.run([runner, path], capture_output=True, text=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return "error", None, "rust runner timed out"
    finally:
        os.unlink(path)
    if p.returncode == 2 and UNSUPPORTED in p.stderr:
        return "unsupported", None, p.stderr.strip()
    if p.returncode != 0:
        return "error", None, "rust runner exit %d: %s" % (p.returncode,
                                                            p.stderr.strip()[:300])
    try:
        out = json.loads(p.stdout)
    except ValueError:
        return "error", None, "rust runner printed no JSON: %r" % p.stdout[:200]
    if "hit max_passes" in p.stderr:
        return "capped", out, p.stderr.strip()
    return "ok", out, ""


def short(e):
    """Compact rendering of one event for messages."""
    if e is None:
        return "<none>"
    return "{%s %s %s #%s feed=%s}" % (
        hio_oracle.rational_time(e.get("tyme")), e.get("doer"), e.get("context"),
        e.get("count"), e.get("feed"))


def signature(detail):
    """What kind of difference a first-difference message describes: where
    it is (indices and doer names left out) and the Rust error message, if
    any. Used to group failures and by shrink.py."""
    where = detail.split(":")[0]
    where = re.sub(r"\[\d+\]", "[]", where)
    where = re.sub(r"^(final\.(done|doers))\..*$", r"\1", where)
    hio = re.search(r"hio: [^}]*", detail)
    return where + (" / " + hio.group(0) if hio else "")


def same(a, b):
    """Equal JSON values, with true/false/null only equal to themselves (so
    false is not 0)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    return a == b


def first_difference(ref, got):
    """First difference between the oracle's output and the Rust output
    (times as exact rationals), or None."""
    rt = [hio_oracle.rational_event(e) for e in ref["trace"]]
    gt = [hio_oracle.rational_event(e) for e in got.get("trace", [])]
    keys = ("tyme", "doer", "context", "count", "feed")
    for i, (a, b) in enumerate(zip(rt, gt)):
        for k in keys:
            if not same(a.get(k), b.get(k)):
                return "trace[%d].%s: python %s, rust %s" % (
                    i, k, short(ref["trace"][i]), short(got["trace"][i]))
    if len(rt) != len(gt):
        i = min(len(rt), len(gt))
        return "trace length: python %d, rust %d (first unmatched: python %s, rust %s)" % (
            len(rt), len(gt), short(ref["trace"][i] if i < len(rt) else None),
            short(got["trace"][i] if i < len(gt) else None))
    rf = hio_oracle.rational_final(ref["final"])
    gf = hio_oracle.rational_final(got.get("final", {}))
    for k in ("tyme", "passes", "doist_done", "error"):
        if not same(rf.get(k), gf.get(k)):
            return "final.%s: python %s, rust %s" % (k, json.dumps(ref["final"].get(k)),
                                                     json.dumps(got["final"].get(k)))
    rd, gd = rf.get("done", {}), gf.get("done", {})
    for k in list(rd) + [k for k in gd if k not in rd]:
        if k not in rd or k not in gd or rd[k] is not gd[k]:
            return "final.done.%s: python %s, rust %s" % (
                k, json.dumps(rd.get(k, "<missing>")), json.dumps(gd.get(k, "<missing>")))
    ro, go = rf.get("doers", {}), gf.get("doers", {})
    for k in list(ro) + [k for k in go if k not in ro]:
        if ro.get(k) != go.get(k):
            return "final.doers.%s: python %s, rust %s" % (
                k, json.dumps(ro.get(k, "<missing>")), json.dumps(go.get(k, "<missing>")))
    return None


def same_as_rationals(a, b):
    """Do two oracle outputs agree when times are read as rationals?"""
    return first_difference(a, b) is None


def check(sc, runner):
    """Run one scenario both ways.

    Returns (verdict, detail, python_output, rust_output); verdict is one of
    ``pass``, ``fail``, ``discard``, ``unsupported``."""
    py = hio_oracle.run_scenario(sc)
    if "problem" in py:
        return "discard", py["problem"], py, None
    pyx = hio_oracle.run_scenario(sc, exact=True)
    if "problem" in pyx:
        return "discard", "exact run: " + pyx["problem"], pyx, None
    if is_binary(sc):
        d = first_difference(py, pyx)
        if d:  # would be an oracle bug: binary fractions are exact in floats
            return "fail", "oracle float and exact runs differ: " + d, py, pyx
        ref = py
    else:
        ref = pyx
    status, out, msg = run_rust(runner, sc)
    if status == "unsupported":
        return "unsupported", msg, ref, None
    if status == "error":
        return "fail", msg, ref, None
    d = first_difference(ref, out)
    if status == "capped":
        return "fail", "rust hit max_passes, python did not" + (": " + d if d else ""), ref, out
    if d:
        return "fail", d, ref, out
    return "pass", "", ref, out


def main(argv=None):
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--runner", required=True, help="path of the Rust conformance binary")
    ap.add_argument("--failures", default=os.path.join(HERE, "failures"),
                    help="directory for failing scenarios")
    ap.add_argument("--repros", metavar="DIR",
                    help="also check every scenario JSON in DIR (regression cases)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    gen = ScenarioGen(args.seed)
    tally = Counter()
    reasons = Counter()
    kinds = Counter()
    float_differs = 0
    t0 = time.time()
    if args.repros:
        for f in sorted(os.listdir(args.repros)):
            if not f.endswith(".json"):
                continue
            with open(os.path.join(args.repros, f)) as fh:
                sc = json.load(fh)
            verdict, detail, _, _ = check(sc, args.runner)
            if verdict != "pass":  # a regression case must run and match
                tally["fail"] += 1
                print("FAIL %s: %s: %s" % (os.path.join(args.repros, f), verdict, detail))
            else:
                tally["pass"] += 1
    for k in range(args.count):
        sc = gen.scenario("fuzz_%d_%d" % (args.seed, k))
        verdict, detail, ref, out = check(sc, args.runner)
        tally[verdict] += 1
        if verdict == "discard":
            prefix = "exact run: " if detail.startswith("exact run: ") else ""
            reason = detail[len(prefix):].split(":")[0]
            reasons[prefix + re.sub(r"'[^']*'", "X", reason)] += 1
        if verdict in ("pass", "fail") and not is_binary(sc):
            if not same_as_rationals(hio_oracle.run_scenario(sc), ref):
                float_differs += 1
        if verdict == "fail":
            os.makedirs(args.failures, exist_ok=True)
            sc = dict(sc, description=detail)
            path = os.path.join(args.failures, "%d_%d.json" % (args.seed, k))
            with open(path, "w") as f:
                json.dump(sc, f, indent=1)
            print("FAIL %s: %s" % (path, detail))
            kinds[signature(detail)] += 1
        elif args.verbose:
            print("%-11s %s %s" % (verdict, sc["name"], detail))
    print("seed %d: %d scenarios in %.1f s: %d discarded, %d unsupported, "
          "%d decimal scenarios where float differs from exact"
          % (args.seed, args.count, time.time() - t0, tally["discard"],
             tally["unsupported"], float_differs))
    for r, n in reasons.most_common():
        print("  discarded %d: %s" % (n, r))
    for r, n in kinds.most_common():
        print("  failed %d: %s" % (n, r))
    print("%d passed, %d failed" % (tally["pass"], tally["fail"]))
    return 1 if tally["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
