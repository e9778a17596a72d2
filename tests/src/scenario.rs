//! Reading a conformance scenario (`../shared/conformance/FORMAT.md`,
//! section 1) into plain Rust values, with clear errors on bad input.

use std::collections::BTreeSet;
use std::fmt;

use hio::Tock;
use serde_json::{Map, Value};

/// Why a scenario could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadScenario(pub String);

impl fmt::Display for BadScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadScenario {}

fn bad<T>(msg: impl Into<String>) -> Result<T, BadScenario> {
    Err(BadScenario(msg.into()))
}

/// The kind of a scripted doer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A plain doer (a `Doer` impl).
    Doer,
    /// A doer whose recur is a generator (a `CoDoer`).
    ReDoer,
    /// A doified generator function (a `Doify` closure).
    GenFunc,
    /// A nested scheduler (a `DoDoer`).
    DoDoer,
}

/// When an op fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// On recur number k.
    Count(u32),
    /// On the first recur whose tyme is at or after this.
    Tyme(hio::Tyme),
}

/// A doer named in an `extend`.
#[derive(Debug, Clone, PartialEq)]
pub enum DoerRef {
    /// A new doer.
    Inline(Box<Spec>),
    /// An existing doer, by name.
    Name(String),
}

/// A scripted operation.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// Extend the target with these doers.
    Extend(Vec<DoerRef>),
    /// Remove these doers from the target.
    Remove(Vec<String>),
    /// Set the target's tock.
    SetTock(Tock),
}

/// One op of a doer's script.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// When it fires.
    pub when: When,
    /// `"doist"` or a doer name.
    pub target: String,
    /// What it does.
    pub kind: OpKind,
}

/// A scripted doer.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Unique name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Its tock (absolute value, as hio stores it).
    pub tock: Tock,
    /// Recur count at which it completes (0: inside enter).
    pub done_at: Option<u32>,
    /// Recur count at which it raises (0: in enter).
    pub raise_at: Option<u32>,
    /// Tocks yielded after each step (`None` entries mean null).
    pub tocks: Option<Vec<Option<Tock>>>,
    /// What a generator returns at `done_at` (`None`: null).
    pub returns: Option<bool>,
    /// Its script.
    pub ops: Vec<Op>,
    /// DoDoer children.
    pub doers: Vec<Spec>,
    /// DoDoer `always`.
    pub always: bool,
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// Doist tock.
    pub tock: Tock,
    /// Run limit (`None` or zero: none).
    pub limit: Option<Tock>,
    /// Start tyme.
    pub tyme: hio::Tyme,
    /// Safety cap on passes.
    pub max_passes: u64,
    /// Root doers.
    pub doers: Vec<Spec>,
}

fn secs(v: &Value, what: &str) -> Result<u64, BadScenario> {
    let Some(x) = v.as_f64() else {
        return bad(format!("{what}: expected a number of seconds, got {v}"));
    };
    // hio stores tocks and limits as abs(); a negative start tyme or trigger
    // is not meaningful in a scenario
    match Tock::try_from_secs_f64(x.abs()) {
        Ok(t) => Ok(t.as_nanos()),
        Err(e) => bad(format!("{what}: {x} s: {e}")),
    }
}

fn tock(v: &Value, what: &str) -> Result<Tock, BadScenario> {
    secs(v, what).map(Tock::from_nanos)
}

fn opt_u32(o: &Map<String, Value>, key: &str, who: &str) -> Result<Option<u32>, BadScenario> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => bad(format!(
                "doer {who}: {key} must be a whole number >= 0 or null, got {v}"
            )),
        },
    }
}

fn check_keys(o: &Map<String, Value>, allowed: &[&str], who: &str) -> Result<(), BadScenario> {
    for k in o.keys() {
        if !allowed.contains(&k.as_str()) {
            return bad(format!(
                "{who}: unknown key {k:?} (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

fn parse_spec(v: &Value) -> Result<Spec, BadScenario> {
    let Some(o) = v.as_object() else {
        return bad(format!("a doer spec must be an object, got {v}"));
    };
    let Some(name) = o.get("name").and_then(Value::as_str) else {
        return bad(format!("a doer spec needs a string \"name\": {v}"));
    };
    let who = name;
    if name == "doist" {
        return bad("the doer name \"doist\" is reserved for the root");
    }
    let kind = match o.get("kind").map(|k| k.as_str()) {
        None | Some(Some("doer")) => Kind::Doer,
        Some(Some("redoer")) => Kind::ReDoer,
        Some(Some("genfunc")) => Kind::GenFunc,
        Some(Some("dodoer")) => Kind::DoDoer,
        Some(k) => {
            return bad(format!(
                "doer {who}: unknown kind {k:?} (doer, redoer, genfunc, dodoer)"
            ));
        }
    };
    let common = ["name", "kind", "tock", "ops"];
    let allowed: Vec<&str> = match kind {
        Kind::Doer => [&common[..], &["done_at", "raise_at"]].concat(),
        Kind::ReDoer | Kind::GenFunc => {
            [&common[..], &["done_at", "raise_at", "tocks", "returns"]].concat()
        }
        Kind::DoDoer => [&common[..], &["doers", "always"]].concat(),
    };
    check_keys(o, &allowed, &format!("doer {who}"))?;
    let tock = match o.get("tock") {
        None | Some(Value::Null) => Tock::ZERO,
        Some(t) => tock(t, &format!("doer {who}: tock"))?,
    };
    let tocks = match o.get("tocks") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if !a.is_empty() => Some(
            a.iter()
                .map(|t| {
                    if t.is_null() {
                        Ok(None)
                    } else {
                        self::tock(t, &format!("doer {who}: tocks")).map(Some)
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(t) => {
            return bad(format!(
                "doer {who}: tocks must be a non-empty list, got {t}"
            ));
        }
    };
    let returns = match o.get("returns") {
        None => Some(true),
        Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(r) => {
            return bad(format!(
                "doer {who}: returns must be true, false or null, got {r}"
            ));
        }
    };
    let ops = match o.get("ops") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|op| parse_op(op, who))
            .collect::<Result<_, _>>()?,
        Some(x) => return bad(format!("doer {who}: ops must be a list, got {x}")),
    };
    let doers = match o.get("doers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().map(parse_spec).collect::<Result<_, _>>()?,
        Some(x) => return bad(format!("doer {who}: doers must be a list, got {x}")),
    };
    let always = match o.get("always") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(x) => return bad(format!("doer {who}: always must be a boolean, got {x}")),
    };
    Ok(Spec {
        name: name.to_string(),
        kind,
        tock,
        done_at: opt_u32(o, "done_at", who)?,
        raise_at: opt_u32(o, "raise_at", who)?,
        tocks,
        returns,
        ops,
        doers,
        always,
    })
}

fn parse_op(v: &Value, who: &str) -> Result<Op, BadScenario> {
    let Some(o) = v.as_object() else {
        return bad(format!("doer {who}: an op must be an object, got {v}"));
    };
    check_keys(
        o,
        &["when", "op", "target", "doers", "tock"],
        &format!("doer {who}: op"),
    )?;
    let when = match o.get("when").and_then(Value::as_object) {
        Some(w) if w.len() == 1 && w.contains_key("count") => {
            match w.get("count").and_then(Value::as_u64) {
                Some(k) if k >= 1 && k <= u64::from(u32::MAX) => When::Count(k as u32),
                _ => {
                    return bad(format!(
                        "doer {who}: op when.count must be a whole number >= 1"
                    ));
                }
            }
        }
        Some(w) if w.len() == 1 && w.contains_key("tyme") => When::Tyme(hio::Tyme::from_nanos(
            secs(&w["tyme"], &format!("doer {who}: op when.tyme"))?,
        )),
        _ => {
            return bad(format!(
                "doer {who}: op needs \"when\": {{\"count\": k}} or {{\"tyme\": t}}"
            ));
        }
    };
    let Some(target) = o.get("target").and_then(Value::as_str) else {
        return bad(format!("doer {who}: op needs a string \"target\""));
    };
    let names = |key: &str| -> Result<&Vec<Value>, BadScenario> {
        match o.get(key) {
            Some(Value::Array(a)) => Ok(a),
            _ => bad(format!("doer {who}: op needs a list \"{key}\"")),
        }
    };
    let kind = match o.get("op").and_then(Value::as_str) {
        Some("extend") => OpKind::Extend(
            names("doers")?
                .iter()
                .map(|d| match d {
                    Value::String(s) => Ok(DoerRef::Name(s.clone())),
                    _ => parse_spec(d).map(|s| DoerRef::Inline(Box::new(s))),
                })
                .collect::<Result<_, _>>()?,
        ),
        Some("remove") => OpKind::Remove(
            names("doers")?
                .iter()
                .map(|d| match d.as_str() {
                    Some(s) => Ok(s.to_string()),
                    None => bad(format!("doer {who}: remove lists doer names, got {d}")),
                })
                .collect::<Result<_, _>>()?,
        ),
        Some("set_tock") => match o.get("tock") {
            Some(t) => OpKind::SetTock(tock(t, &format!("doer {who}: set_tock"))?),
            None => return bad(format!("doer {who}: set_tock needs \"tock\"")),
        },
        other => {
            return bad(format!(
                "doer {who}: unknown op {other:?} (extend, remove, set_tock)"
            ));
        }
    };
    Ok(Op {
        when,
        target: target.to_string(),
        kind,
    })
}

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn parse(text: &str) -> Result<Scenario, BadScenario> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| BadScenario(format!("not JSON: {e}")))?;
        let Some(o) = v.as_object() else {
            return bad("a scenario must be a JSON object");
        };
        check_keys(
            o,
            &[
                "name",
                "description",
                "tags",
                "notes",
                "doist",
                "max_passes",
                "doers",
            ],
            "scenario",
        )?;
        let Some(name) = o.get("name").and_then(Value::as_str) else {
            return bad("scenario needs a string \"name\"");
        };
        let Some(d) = o.get("doist").and_then(Value::as_object) else {
            return bad("scenario needs a \"doist\" object");
        };
        check_keys(d, &["tock", "real", "limit", "tyme"], "doist")?;
        let tock = match d.get("tock") {
            Some(t) if !t.is_null() => tock(t, "doist.tock")?,
            _ => return bad("doist.tock is required"),
        };
        let limit = match d.get("limit") {
            None | Some(Value::Null) => None,
            Some(l) => Some(self::tock(l, "doist.limit")?),
        };
        let tyme = match d.get("tyme") {
            None | Some(Value::Null) => hio::Tyme::ZERO,
            Some(t) => hio::Tyme::from_nanos(secs(t, "doist.tyme")?),
        };
        if d.get("real").and_then(Value::as_bool) == Some(true) {
            return bad(
                "doist.real = true is not supported by the runner (traces are the same; use false)",
            );
        }
        let max_passes = match o.get("max_passes") {
            None | Some(Value::Null) => 10_000,
            Some(m) => match m.as_u64() {
                Some(m) if m > 0 => m,
                _ => return bad("max_passes must be a whole number > 0"),
            },
        };
        let doers = match o.get("doers") {
            Some(Value::Array(a)) => a.iter().map(parse_spec).collect::<Result<Vec<_>, _>>()?,
            _ => return bad("scenario needs a list \"doers\""),
        };
        let sc = Scenario {
            name: name.to_string(),
            tock,
            limit,
            tyme,
            max_passes,
            doers,
        };
        sc.validate()?;
        Ok(sc)
    }

    /// Every doer spec in the scenario (root, nested, and inline in extends).
    pub fn all_specs(&self) -> Vec<&Spec> {
        fn walk<'s>(s: &'s Spec, out: &mut Vec<&'s Spec>) {
            out.push(s);
            for c in &s.doers {
                walk(c, out);
            }
            for op in &s.ops {
                if let OpKind::Extend(ds) = &op.kind {
                    for d in ds {
                        if let DoerRef::Inline(s) = d {
                            walk(s, out);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for s in &self.doers {
            walk(s, &mut out);
        }
        out
    }

    fn validate(&self) -> Result<(), BadScenario> {
        let specs = self.all_specs();
        let mut names = BTreeSet::new();
        for s in &specs {
            if !names.insert(s.name.as_str()) {
                return bad(format!("doer name {:?} is used twice", s.name));
            }
        }
        let kind_of = |n: &str| specs.iter().find(|s| s.name == n).map(|s| s.kind);
        for s in &specs {
            for op in &s.ops {
                let t = op.target.as_str();
                match (&op.kind, t) {
                    (_, "doist") => {}
                    (OpKind::SetTock(_), _) => match kind_of(t) {
                        Some(Kind::GenFunc) => {
                            return bad(format!(
                                "doer {}: set_tock cannot target genfunc {t:?}",
                                s.name
                            ));
                        }
                        Some(_) => {}
                        None => {
                            return bad(format!("doer {}: op target {t:?} is not a doer", s.name));
                        }
                    },
                    _ => {
                        if kind_of(t) != Some(Kind::DoDoer) {
                            return bad(format!(
                                "doer {}: extend/remove target {t:?} is not a dodoer",
                                s.name
                            ));
                        }
                    }
                }
                let listed = match &op.kind {
                    OpKind::Extend(ds) => ds
                        .iter()
                        .map(|d| match d {
                            DoerRef::Inline(s) => s.name.clone(),
                            DoerRef::Name(n) => n.clone(),
                        })
                        .collect(),
                    OpKind::Remove(ns) => ns.clone(),
                    OpKind::SetTock(_) => Vec::new(),
                };
                let mut seen = BTreeSet::new();
                for n in &listed {
                    if !names.contains(n.as_str()) {
                        return bad(format!("doer {}: op names unknown doer {n:?}", s.name));
                    }
                    if !seen.insert(n) {
                        return bad(format!("doer {}: op lists {n:?} twice", s.name));
                    }
                }
            }
        }
        Ok(())
    }
}
