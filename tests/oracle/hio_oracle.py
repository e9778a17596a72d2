#!/usr/bin/env python3
"""Recording oracle: run a conformance scenario on the real Python hio 0.6.10.

Reads a scenario in the format of ``shared/conformance/FORMAT.md`` (section 1
and 2), builds the scripted doers as thin recording subclasses of hio's own
classes, runs them with ``hio.base.doing.Doist`` and prints one JSON object
with the same shape as the Rust conformance runner::

    {"scenario": NAME,
     "final": {"tyme", "passes", "doist_done", "error", "done", "doers"},
     "trace": [{"tyme", "doer", "context", "count", "feed"}, ...]}

All scheduling decisions (ordering, retyme arithmetic, ticking, limits,
forced closing, abort propagation, done bookkeeping) are hio's. The
subclasses only record the lifecycle hooks and perform the scripted
operations (FORMAT.md 1.2 and 2):

* ``doer``    -> :class:`ScriptDoer`, a ``Doer`` with a plain ``recur``;
* ``redoer``  -> :class:`ScriptReDoer`, a ``Doer`` whose ``recur`` is a
  generator (hio's ReDoer pattern, run by ``Doer.do`` with ``yield from``);
* ``genfunc`` -> :func:`scripted_genfunc`, a generator function following
  hio's ``bareDo`` template, made schedulable with ``doify``;
* ``dodoer``  -> :class:`ScriptDoDoer`, a ``DoDoer`` whose ``recur`` emits
  ``recur``, runs its ops and then calls ``DoDoer.recur``.

Passes are counted by :class:`RecordingDoist`, which overrides
``Doist.recur``.

``--exact`` multiplies every time value of the scenario by its least common
denominator N (``time_unit`` in FORMAT.md section 3), so that all of hio's
float arithmetic happens on small integers and is exact, then divides the
results back by N and prints times as exact decimal strings (``"0.3"``),
like the ``exact`` sections of the expected files.

Harness problems are reported as ``{"scenario": NAME, "problem": MESSAGE}``
with exit status 3: a scenario that breaks one of FORMAT.md's harness
restrictions at run time (an extend/remove target that is not running, a doer
extended into one container while listed in another or while its previous
entry still runs, a doer listed twice in an op, a doer other than the last of
an extend raising in enter), one that reaches ``max_passes``, and one where an
extend failed after entering some of its doers: hio orphans those and the
garbage collector closes them at some later point, so their cease/exit events
have no meaningful place in the trace (the Rust port closes them at once, a
documented deviation).

Usage::

    hio_oracle.py SCENARIO.json [--exact]

Only the standard library and hio 0.6.10 are used.
"""

import argparse
import json
import math
import sys
from fractions import Fraction

from hio.base import doing

KINDS = ("doer", "redoer", "genfunc", "dodoer")


class ScriptError(Exception):
    """The scripted error a doer raises at ``raise_at`` ("<name>@<count>")."""


class HarnessProblem(Exception):
    """The scenario breaks a harness restriction of FORMAT.md section 2."""


class Capped(BaseException):
    """Raised (as a BaseException, so no doer aborts on it) when the run
    reaches ``max_passes``."""


# --------------------------------------------------------------------------
# time values


def frac(x):
    """Exact rational value of a JSON time value as written (a float is read
    through its shortest decimal rendering, so 0.1 is 1/10)."""
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def decimal_str(q):
    """Exact decimal rendering of a rational whose denominator divides a
    power of ten, with at least one fractional digit ("0.0", "1.25")."""
    q = Fraction(q)
    sign = "-" if q < 0 else ""
    q = abs(q)
    k = 0
    while (q * 10 ** k).denominator != 1:
        k += 1
        if k > 60:
            raise ValueError("not a finite decimal: %s" % q)
    digits = str((q * 10 ** k).numerator)
    if k == 0:
        return sign + digits + ".0"
    digits = digits.rjust(k + 1, "0")
    return sign + digits[:-k] + "." + digits[-k:]


def rational_time(x):
    """A time value of an output (a JSON number, or a decimal string in
    exact mode) as an exact rational; other values are returned unchanged."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float, str)):
        try:
            return Fraction(str(x))
        except ValueError:
            return x
    return x


def rational_event(e):
    """A trace event with ``tyme`` (and a recur's ``feed``) as rationals."""
    e = dict(e)
    e["tyme"] = rational_time(e.get("tyme"))
    if e.get("context") == "recur":
        e["feed"] = rational_time(e.get("feed"))
    return e


def rational_final(f):
    """A ``final`` section with ``tyme`` as a rational."""
    f = dict(f)
    f["tyme"] = rational_time(f.get("tyme"))
    return f


def walk_specs(specs):
    """Every doer spec in list order: the spec, its children, then the
    inline specs of its extend ops (the order the Rust runner uses too)."""
    for s in specs:
        yield s
        yield from walk_specs(s.get("doers") or [])
        for op in s.get("ops") or []:
            if op.get("op") == "extend":
                yield from walk_specs([d for d in op.get("doers", [])
                                       if isinstance(d, dict)])


def scenario_times(sc):
    """All time values written in a scenario (FORMAT.md section 3,
    ``time_unit``): tocks, limit, start tyme, trigger tymes, set_tock values."""
    d = sc.get("doist", {})
    out = [d.get("tock"), d.get("limit"), d.get("tyme")]
    for s in walk_specs(sc.get("doers", [])):
        out.append(s.get("tock"))
        out.extend(s.get("tocks") or [])
        for op in s.get("ops") or []:
            out.append(op.get("when", {}).get("tyme"))
            if op.get("op") == "set_tock":
                out.append(op.get("tock"))
    return [x for x in out if x is not None]


def time_unit(sc):
    """Least common denominator N of all time values of the scenario."""
    n = 1
    for x in scenario_times(sc):
        n = math.lcm(n, frac(x).denominator)
    return n


# --------------------------------------------------------------------------
# the recording harness


class Record:
    """Harness state of one scripted doer, shared by all its entries."""

    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.kind = spec.get("kind", "doer")
        self.count = 0
        self.running = False  # entered and not yet exited
        self.fired = [False] * len(spec.get("ops") or [])
        self.obj = None  # the hio doer (object or doified function)


class Harness:
    """Builds the scripted doers of one scenario, runs them on a
    :class:`RecordingDoist` and collects the trace and final state.

    ``scale`` is 1 for a normal run and N for an ``--exact`` run: every time
    written in the scenario is multiplied by it before hio sees it.
    """

    def __init__(self, sc, exact=False):
        self.sc = sc
        self.scale = time_unit(sc) if exact else 1
        self.exact = exact
        self.trace = []
        self.records = {}
        self.specs = list(walk_specs(sc.get("doers", [])))
        for s in self.specs:
            if s.get("kind", "doer") not in KINDS:
                raise HarnessProblem("unknown kind %r" % s.get("kind"))
            if s["name"] in self.records or s["name"] == "doist":
                raise HarnessProblem("doer name %r used twice" % s["name"])
            self.records[s["name"]] = Record(s)
        self.doist = None
        self.problem = None  # a harness problem noticed while hio unwinds
        # build innermost first so that DoDoers get their children objects
        for s in reversed(self.specs):
            self.build(self.records[s["name"]])

    # ---- times

    def t(self, x):
        """A scenario time as hio gets it (a float; exactly integer-valued
        in exact mode)."""
        if x is None:
            return None
        if self.exact:
            return float(frac(x) * self.scale)
        return float(x)

    def out_time(self, x):
        """A hio time value as it appears in the output."""
        if self.exact:
            return decimal_str(Fraction(x) / self.scale)
        return float(x)

    # ---- recording

    def emit(self, rec, tyme, context, feed=None):
        """Append one trace event."""
        if context == "recur":
            feed = self.out_time(feed)
        self.trace.append({"tyme": self.out_time(tyme), "doer": rec.name,
                           "context": context, "count": rec.count,
                           "feed": feed})

    def maybe_raise(self, rec):
        """Raise the scripted error if this is the raise_at count."""
        if rec.spec.get("raise_at") == rec.count:
            raise ScriptError("%s@%d" % (rec.name, rec.count))

    # ---- building

    def build(self, rec):
        """Create the hio doer for one spec."""
        s = rec.spec
        tock = self.t(s.get("tock") or 0.0)
        if rec.kind == "doer":
            rec.obj = ScriptDoer(harness=self, rec=rec, tock=tock)
        elif rec.kind == "redoer":
            rec.obj = ScriptReDoer(harness=self, rec=rec, tock=tock)
        elif rec.kind == "genfunc":
            rec.obj = doing.doify(scripted_genfunc, name=rec.name, tock=tock,
                                  harness=self, rec=rec)
        else:
            kids = [self.records[c["name"]].obj for c in s.get("doers") or []]
            rec.obj = ScriptDoDoer(harness=self, rec=rec, tock=tock,
                                   doers=kids, always=bool(s.get("always")))

    def next_tock(self, rec, k, default):
        """The tock a generator yields after its k-th recur step."""
        tocks = rec.spec.get("tocks")
        if tocks:
            return self.t(tocks[(k - 1) % len(tocks)])
        return default

    # ---- scripted operations

    def containers(self):
        """(name, doers list) of the doist and of every DoDoer."""
        out = [("doist", self.doist.doers)]
        for s in self.specs:
            if s.get("kind") == "dodoer":
                out.append((s["name"], self.records[s["name"]].obj.doers))
        return out

    def target(self, name, what):
        """The hio object an op targets."""
        if name == "doist":
            return self.doist
        rec = self.records.get(name)
        if rec is None:
            raise HarnessProblem("op target %r is not a doer" % name)
        if what in ("extend", "remove"):
            if rec.kind != "dodoer":
                raise HarnessProblem("%s target %r is not a dodoer" % (what, name))
            if not rec.running:
                raise HarnessProblem("%s target %r is not running" % (what, name))
        return rec.obj

    def listed_doers(self, op, actor):
        """The records an extend/remove op names (checking duplicates)."""
        names = []
        for d in op.get("doers", []):
            names.append(d["name"] if isinstance(d, dict) else d)
        if len(set(names)) != len(names):
            raise HarnessProblem("%s: op lists a doer twice" % actor.name)
        for n in names:
            if n not in self.records:
                raise HarnessProblem("%s: op names unknown doer %r" % (actor.name, n))
        return [self.records[n] for n in names]

    def raises_in_enter(self, obj):
        """Would entering this hio doer raise (its own enter or, for a
        DoDoer, the enter of one of its current children)?"""
        rec = obj.rec if hasattr(obj, "rec") else obj.opts["rec"]
        if rec.spec.get("raise_at") == 0:
            return True
        if rec.kind == "dodoer":
            return any(self.raises_in_enter(c) for c in obj.doers)
        return False

    def run_ops(self, rec, tyme):
        """Run the ops of ``rec`` that trigger on this recur, in list order."""
        for i, op in enumerate(rec.spec.get("ops") or []):
            if rec.fired[i]:
                continue
            when = op.get("when", {})
            if "count" in when:
                hit = rec.count == when["count"]
            else:
                hit = tyme >= self.t(when["tyme"])
            if not hit:
                continue
            rec.fired[i] = True
            self.apply(rec, op)

    def apply(self, actor, op):
        """Perform one op, after checking FORMAT.md's harness restrictions."""
        kind = op.get("op")
        tname = op.get("target")
        if kind == "set_tock":
            target = self.target(tname, kind)
            if tname != "doist" and self.records[tname].kind == "genfunc":
                raise HarnessProblem("set_tock cannot target genfunc %r" % tname)
            target.tock = self.t(op["tock"])
            return
        if kind not in ("extend", "remove"):
            raise HarnessProblem("unknown op %r" % kind)
        target = self.target(tname, kind)
        recs = self.listed_doers(op, actor)
        objs = [r.obj for r in recs]
        if kind == "remove":
            target.remove(objs)
            return
        for r in recs:
            for cname, lst in self.containers():
                if cname != tname and r.obj in lst:
                    raise HarnessProblem(
                        "extend %r into %r while it is listed in %r"
                        % (r.name, tname, cname))
            if r.running and r.obj not in target.doers:
                raise HarnessProblem(
                    "extend %r into %r while its previous entry is still running"
                    % (r.name, tname))
        fresh = [o for o in objs if o not in target.doers]
        if any(self.raises_in_enter(o) for o in fresh[:-1]):
            raise HarnessProblem(
                "%s: within one extend only the last doer may raise in its enter"
                % actor.name)
        try:
            target.extend(objs)
        except Exception:
            orphans = [r.name for r in recs
                       if r.running and r.obj in fresh and r.obj not in target.doers]
            if orphans and self.problem is None:
                # hio leaves the doers this extend entered before the failing
                # one to the garbage collector, which closes them at some
                # later, unspecified point: nothing meaningful to compare
                self.problem = ("orphans: extend into %r failed after entering %s"
                                % (tname, ", ".join(orphans)))
            raise

    # ---- running

    def run(self):
        """Run the scenario; return the output dict."""
        d = self.sc.get("doist", {})
        if d.get("tock") is None:
            raise HarnessProblem("doist.tock is required")
        limit = d.get("limit")
        self.doist = RecordingDoist(
            tock=self.t(d["tock"]), real=False,
            limit=self.t(limit) if limit is not None else None,
            tyme=self.t(d.get("tyme") or 0.0),
            doers=[self.records[s["name"]].obj for s in self.sc.get("doers", [])],
            max_passes=self.sc.get("max_passes") or 10000)
        error = None
        try:
            self.doist.do()
        except ScriptError as ex:
            error = str(ex)
        except HarnessProblem:
            raise
        except Capped:
            raise HarnessProblem("the run hit max_passes")
        except Exception as ex:  # a harness misuse of hio (not a scripted error)
            raise HarnessProblem("unexpected %s: %s" % (type(ex).__name__, ex))
        if self.problem:
            raise HarnessProblem(self.problem)
        problems = [e for e in self.trace if e["context"] == "abort"
                    and not self.is_script_error(e["feed"])]
        if problems:
            raise HarnessProblem("abort with a non-scripted error: %s"
                                 % problems[0]["feed"])
        done = {}
        for s in self.specs:
            v = self.records[s["name"]].obj.done
            if v not in (True, False, None):
                raise HarnessProblem("done of %s is %r" % (s["name"], v))
            done[s["name"]] = v
        doers = {name: [self.name_of(o) for o in lst]
                 for name, lst in self.containers()}
        return {
            "scenario": self.sc.get("name"),
            "final": {
                "tyme": self.out_time(self.doist.tyme),
                "passes": self.doist.passes,
                "doist_done": bool(self.doist.done),
                "error": error,
                "done": done,
                "doers": doers,
            },
            "trace": self.trace,
        }

    def is_script_error(self, msg):
        """Is ``msg`` a message this harness raises ("<name>@<count>")?"""
        name, _, count = str(msg).rpartition("@")
        return name in self.records and count.isdigit()

    @staticmethod
    def name_of(obj):
        """Scenario name of a hio doer object or doified function."""
        return obj.rec.name if hasattr(obj, "rec") else obj.opts["rec"].name


class RecordingDoist(doing.Doist):
    """A Doist that counts its passes (calls of ``recur``) and stops the run
    at ``max_passes``."""

    def __init__(self, max_passes=10000, **kwa):
        super().__init__(**kwa)
        self.passes = 0
        self.max_passes = max_passes

    def recur(self, deeds=None):
        """Count the pass, then run hio's pass."""
        self.passes += 1
        super().recur(deeds=deeds)
        if self.passes >= self.max_passes and self.deeds:
            raise Capped()


class ScriptDoer(doing.Doer):
    """A plain scripted doer (kind ``doer``): its recur is a plain method."""

    def __init__(self, harness, rec, **kwa):
        super().__init__(**kwa)
        self.harness = harness
        self.rec = rec

    def enter(self):
        """count = 0; emit enter; raise at 0 or complete at 0."""
        rec = self.rec
        rec.count = 0
        rec.running = True
        self.harness.emit(rec, self.tyme, "enter")
        self.harness.maybe_raise(rec)
        if rec.spec.get("done_at") == 0:
            self.done = True

    def recur(self, tyme):
        """Count, emit recur, run ops, raise or report completion."""
        rec = self.rec
        rec.count += 1
        self.harness.emit(rec, self.tyme, "recur", tyme)
        self.harness.run_ops(rec, tyme)
        self.harness.maybe_raise(rec)
        return rec.spec.get("done_at") == rec.count

    def clean(self):
        """Emit clean."""
        self.harness.emit(self.rec, self.tyme, "clean")

    def close(self):
        """Emit cease (hio 0.6.10 calls the forced-close hook ``close``)."""
        self.harness.emit(self.rec, self.tyme, "cease")

    def abort(self, ex):
        """Emit abort with the error message."""
        self.harness.emit(self.rec, self.tyme, "abort", str(ex))

    def exit(self):
        """Emit exit."""
        self.rec.running = False
        self.harness.emit(self.rec, self.tyme, "exit")


class ScriptReDoer(ScriptDoer):
    """A scripted doer whose recur is a generator (kind ``redoer``)."""

    def enter(self):
        """count = 0; emit enter; raise at 0 (done_at 0 is the generator's
        business)."""
        rec = self.rec
        rec.count = 0
        rec.running = True
        self.harness.emit(rec, self.tyme, "enter")
        self.harness.maybe_raise(rec)

    def recur(self):
        """The recur generator (delegated to by ``Doer.do``)."""
        rec, h = self.rec, self.harness
        s = rec.spec
        returns = s.get("returns", True)
        if s.get("done_at") == 0:
            return returns
        tyme = yield self.tock  # enter phase ends here; hio ignores this value
        k = 0
        while True:
            k += 1
            rec.count = k
            h.emit(rec, self.tyme, "recur", tyme)
            h.run_ops(rec, tyme)
            h.maybe_raise(rec)
            if s.get("done_at") == k:
                return returns
            tyme = yield h.next_tock(rec, k, self.tock)


def scripted_genfunc(tymth=None, tock=0.0, harness=None, rec=None, **opts):
    """A scripted generator function (kind ``genfunc``), structured like hio's
    ``bareDo`` template; made schedulable with ``doify``."""
    h = harness
    s = rec.spec
    done = False
    try:  # enter context
        rec.count = 0
        rec.running = True
        h.emit(rec, tymth(), "enter")
        h.maybe_raise(rec)
        if s.get("done_at") != 0:
            tyme = yield tock
            k = 0
            while True:  # recur context
                k += 1
                rec.count = k
                h.emit(rec, tymth(), "recur", tyme)
                h.run_ops(rec, tyme)
                h.maybe_raise(rec)
                if s.get("done_at") == k:
                    break
                tyme = yield h.next_tock(rec, k, tock)
        done = s.get("returns", True)
    except GeneratorExit:  # close context
        h.emit(rec, tymth(), "cease")
    except Exception as ex:  # abort context
        h.emit(rec, tymth(), "abort", str(ex))
        raise ex
    else:  # clean context
        h.emit(rec, tymth(), "clean")
    finally:  # exit context
        rec.running = False
        h.emit(rec, tymth(), "exit")
    return done


class ScriptDoDoer(doing.DoDoer):
    """A scripted DoDoer (kind ``dodoer``): its hooks record events and its
    recur runs its ops before hio's own DoDoer pass."""

    def __init__(self, harness, rec, **kwa):
        super().__init__(**kwa)
        self.harness = harness
        self.rec = rec

    def enter(self, doers=None):
        """Emit enter (own enter only, not extend's), then enter children."""
        if doers is None:
            self.rec.count = 0
            self.rec.running = True
            self.harness.emit(self.rec, self.tyme, "enter")
        return super().enter(doers=doers)

    def recur(self, tyme, deeds=None):
        """Count, emit recur, run ops, then hio's DoDoer pass."""
        rec = self.rec
        rec.count += 1
        self.harness.emit(rec, self.tyme, "recur", tyme)
        self.harness.run_ops(rec, tyme)
        return super().recur(tyme=tyme, deeds=deeds)

    def clean(self):
        """Emit clean."""
        self.harness.emit(self.rec, self.tyme, "clean")

    def close(self):
        """Emit cease (before the children are closed)."""
        self.harness.emit(self.rec, self.tyme, "cease")

    def abort(self, ex):
        """Emit abort (before the children are closed)."""
        self.harness.emit(self.rec, self.tyme, "abort", str(ex))

    def exit(self, deeds=None):
        """Close the remaining children (hio), then emit exit. ``remove``
        also calls this with its removal deque: that is not our exit."""
        if deeds is not None:
            return super().exit(deeds=deeds)
        super().exit()
        self.rec.running = False
        self.harness.emit(self.rec, self.tyme, "exit")


# --------------------------------------------------------------------------
# entry points


def run_scenario(sc, exact=False):
    """Run a scenario (a dict) on hio; the output dict, or
    ``{"scenario", "problem"}`` for a harness problem."""
    try:
        h = Harness(sc, exact=exact)
        out = h.run()
    except HarnessProblem as ex:
        return {"scenario": sc.get("name"), "problem": str(ex)}
    if exact:
        out["scale"] = h.scale
    return out


def main(argv=None):
    """CLI: ``hio_oracle.py SCENARIO.json [--exact]``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", help="scenario JSON file")
    ap.add_argument("--exact", action="store_true",
                    help="scale every time by the scenario's LCD (exact arithmetic)")
    args = ap.parse_args(argv)
    with open(args.scenario) as f:
        sc = json.load(f)
    out = run_scenario(sc, exact=args.exact)
    print(json.dumps(out))
    return 3 if "problem" in out else 0


if __name__ == "__main__":
    sys.exit(main())
