//! `$filter`: a small OData expression parser and evaluator over rendered JSON objects.

use serde_json::{Map, Value};

/// Why a filter could not be used. The caller turns it into the right Graph error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FilterError {
    Syntax(String),
    UnknownProperty(String),
    BadGuid,
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, Op, Operand),
    /// A bare boolean operand: a function such as `contains(...)` or a bool property.
    Test(Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Path(Vec<String>),
    Lit(Value),
    Call(String, Vec<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64),
    Guid(String),
    Open,
    Close,
    Comma,
}

const FUNCTIONS: &[&str] = &["contains", "startswith", "endswith", "tolower", "toupper"];

fn tokenize(s: &str) -> Result<Vec<Tok>, FilterError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '\'' => {
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(FilterError::Syntax("unterminated string literal".into()))
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            lit.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            lit.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(lit));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '-' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if crate::ids::is_guid(&word) {
                    out.push(Tok::Guid(word.to_ascii_lowercase()));
                } else if let Ok(n) = word.parse::<f64>() {
                    out.push(Tok::Num(n));
                } else {
                    return Err(FilterError::Syntax(format!("unexpected literal '{word}'")));
                }
            }
            c if c.is_ascii_hexdigit() && is_guid_at(&chars, i) => {
                let word: String = chars[i..i + 36].iter().collect();
                out.push(Tok::Guid(word.to_ascii_lowercase()));
                i += 36;
            }
            c if c.is_alphabetic() || c == '_' || c == '@' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '/' | '.' | '@' | '$'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let lower = word.to_ascii_lowercase();
                if lower.ends_with("/any") || lower.ends_with("/all") {
                    return Err(FilterError::Unsupported("lambda operators".into()));
                }
                out.push(Tok::Word(word));
            }
            other => {
                return Err(FilterError::Syntax(format!(
                    "unexpected character '{other}'"
                )))
            }
        }
    }
    Ok(out)
}

/// A bare GUID literal (OData allows them unquoted) starting at `i`.
fn is_guid_at(chars: &[char], i: usize) -> bool {
    let Some(run) = chars.get(i..i + 36) else {
        return false;
    };
    let word: String = run.iter().collect();
    crate::ids::is_guid(&word) && chars.get(i + 36).is_none_or(|c| !c.is_alphanumeric())
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

/// Parse a `$filter` value.
pub(crate) fn parse(s: &str) -> Result<Expr, FilterError> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err(FilterError::Syntax("the filter is empty".into()));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(FilterError::Syntax(format!(
            "unexpected token at position {}",
            p.pos
        )));
    }
    Ok(e)
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        // Deep nesting is never a real query; refusing it keeps recursion bounded.
        if self.depth > 64 {
            return Err(FilterError::Syntax(
                "the filter is nested too deeply".into(),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        self.enter()?;
        let mut e = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut e = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.peek_word("not") {
            self.pos += 1;
            self.enter()?;
            let e = Expr::Not(Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        if self.toks.get(self.pos) == Some(&Tok::Open) {
            self.pos += 1;
            let e = self.or()?;
            if self.toks.get(self.pos) != Some(&Tok::Close) {
                return Err(FilterError::Syntax("missing ')'".into()));
            }
            self.pos += 1;
            return Ok(e);
        }
        let left = self.operand()?;
        let op = match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "eq" => Some(Op::Eq),
                "ne" => Some(Op::Ne),
                "gt" => Some(Op::Gt),
                "ge" => Some(Op::Ge),
                "lt" => Some(Op::Lt),
                "le" => Some(Op::Le),
                "in" | "has" => {
                    return Err(FilterError::Unsupported(format!("the operator '{w}'")))
                }
                _ => None,
            },
            _ => None,
        };
        match op {
            Some(op) => {
                self.pos += 1;
                let right = self.operand()?;
                Ok(Expr::Cmp(left, op, right))
            }
            None => Ok(Expr::Test(left)),
        }
    }

    fn operand(&mut self) -> Result<Operand, FilterError> {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| FilterError::Syntax("the filter ends too early".into()))?;
        self.pos += 1;
        match tok {
            Tok::Str(s) => Ok(Operand::Lit(Value::String(s))),
            Tok::Guid(g) => Ok(Operand::Lit(Value::String(g))),
            Tok::Num(n) => Ok(Operand::Lit(
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            )),
            Tok::Word(w) => {
                let lower = w.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(Operand::Lit(Value::Bool(true))),
                    "false" => return Ok(Operand::Lit(Value::Bool(false))),
                    "null" => return Ok(Operand::Lit(Value::Null)),
                    _ => {}
                }
                if self.toks.get(self.pos) == Some(&Tok::Open) {
                    if !FUNCTIONS.contains(&lower.as_str()) {
                        return Err(FilterError::Unsupported(format!("the function '{w}'")));
                    }
                    self.pos += 1;
                    self.enter()?;
                    let mut args = Vec::new();
                    if self.toks.get(self.pos) != Some(&Tok::Close) {
                        loop {
                            args.push(self.operand()?);
                            match self.toks.get(self.pos) {
                                Some(Tok::Comma) => self.pos += 1,
                                Some(Tok::Close) => break,
                                _ => return Err(FilterError::Syntax("expected ',' or ')'".into())),
                            }
                        }
                    }
                    self.pos += 1;
                    self.depth -= 1;
                    let arity = if matches!(lower.as_str(), "tolower" | "toupper") {
                        1
                    } else {
                        2
                    };
                    if args.len() != arity {
                        return Err(FilterError::Syntax(format!(
                            "'{w}' takes {arity} argument(s)"
                        )));
                    }
                    return Ok(Operand::Call(lower, args));
                }
                if w.contains("/any") || w.contains("/all") {
                    return Err(FilterError::Unsupported("lambda operators".into()));
                }
                let path: Vec<String> = w.split('/').map(str::to_string).collect();
                if path.iter().any(String::is_empty) {
                    return Err(FilterError::Syntax(format!("invalid property path '{w}'")));
                }
                Ok(Operand::Path(path))
            }
            Tok::Open | Tok::Close | Tok::Comma => {
                Err(FilterError::Syntax("expected a value".into()))
            }
        }
    }
}

impl Expr {
    /// Every property path the filter reads.
    pub(crate) fn paths(&self) -> Vec<&[String]> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a [String]>) {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::Not(a) => a.collect(out),
            Expr::Cmp(l, _, r) => {
                l.collect(out);
                r.collect(out);
            }
            Expr::Test(o) => o.collect(out),
        }
    }

    pub(crate) fn uses_or(&self) -> bool {
        match self {
            Expr::Or(..) => true,
            Expr::And(a, b) => a.uses_or() || b.uses_or(),
            Expr::Not(a) => a.uses_or(),
            _ => false,
        }
    }

    /// Operators the directory answers only in advanced queries (`ne`, `not`, `endsWith`), each
    /// with the property it applies to when there is one.
    pub(crate) fn advanced_operators(&self) -> Vec<(&'static str, Option<&[String]>)> {
        let mut out = Vec::new();
        self.walk_advanced(&mut out);
        out
    }

    fn walk_advanced<'a>(&'a self, out: &mut Vec<(&'static str, Option<&'a [String]>)>) {
        let path_of = |o: &'a Operand| match o {
            Operand::Path(p) => Some(p.as_slice()),
            _ => None,
        };
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => {
                a.walk_advanced(out);
                b.walk_advanced(out);
            }
            Expr::Not(a) => {
                out.push(("not", None));
                a.walk_advanced(out);
            }
            Expr::Cmp(l, op, r) => {
                if *op == Op::Ne {
                    out.push(("ne", path_of(l).or(path_of(r))));
                }
                for o in [l, r] {
                    if let Operand::Call(name, args) = o {
                        if name.eq_ignore_ascii_case("endswith") {
                            out.push(("endsWith", args.first().and_then(path_of)));
                        }
                    }
                }
            }
            Expr::Test(Operand::Call(name, args)) if name.eq_ignore_ascii_case("endswith") => {
                out.push(("endsWith", args.first().and_then(path_of)));
            }
            Expr::Test(_) => {}
        }
    }

    /// Comparisons of a path with a literal, for services that refuse some of them.
    pub(crate) fn comparisons(&self) -> Vec<(&[String], &Value)> {
        let mut out = Vec::new();
        self.walk_cmp(&mut out);
        out
    }

    fn walk_cmp<'a>(&'a self, out: &mut Vec<(&'a [String], &'a Value)>) {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => {
                a.walk_cmp(out);
                b.walk_cmp(out);
            }
            Expr::Not(a) => a.walk_cmp(out),
            Expr::Cmp(Operand::Path(p), _, Operand::Lit(v))
            | Expr::Cmp(Operand::Lit(v), _, Operand::Path(p)) => out.push((p, v)),
            _ => {}
        }
    }

    /// Check literals compared with id properties are GUIDs, as Graph does before running a query.
    pub(crate) fn check_guids(&self) -> Result<(), FilterError> {
        for (path, v) in self.comparisons() {
            let last = path
                .last()
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default();
            if matches!(last.as_str(), "id" | "objectid") {
                if let Value::String(s) = v {
                    if !crate::ids::is_guid(s) {
                        return Err(FilterError::BadGuid);
                    }
                }
            }
        }
        Ok(())
    }

    /// Evaluate against one rendered object.
    pub(crate) fn matches(&self, item: &Map<String, Value>) -> Result<bool, FilterError> {
        Ok(match self {
            Expr::Or(a, b) => a.matches(item)? || b.matches(item)?,
            Expr::And(a, b) => a.matches(item)? && b.matches(item)?,
            Expr::Not(a) => !a.matches(item)?,
            Expr::Test(o) => o.eval(item)? == Value::Bool(true),
            Expr::Cmp(l, op, r) => compare(&l.eval(item)?, *op, &r.eval(item)?),
        })
    }
}

impl Operand {
    fn collect<'a>(&'a self, out: &mut Vec<&'a [String]>) {
        match self {
            Operand::Path(p) => out.push(p),
            Operand::Lit(_) => {}
            Operand::Call(_, args) => args.iter().for_each(|a| a.collect(out)),
        }
    }

    fn eval(&self, item: &Map<String, Value>) -> Result<Value, FilterError> {
        match self {
            Operand::Lit(v) => Ok(v.clone()),
            Operand::Path(p) => resolve(item, p),
            Operand::Call(name, args) => {
                let vals = args
                    .iter()
                    .map(|a| a.eval(item))
                    .collect::<Result<Vec<_>, _>>()?;
                let s = |i: usize| vals.get(i).and_then(Value::as_str).map(str::to_lowercase);
                Ok(match name.as_str() {
                    "tolower" => vals
                        .first()
                        .and_then(Value::as_str)
                        .map_or(Value::Null, |x| Value::String(x.to_lowercase())),
                    "toupper" => vals
                        .first()
                        .and_then(Value::as_str)
                        .map_or(Value::Null, |x| Value::String(x.to_uppercase())),
                    // Graph's string comparisons are case-insensitive.
                    f => match (s(0), s(1)) {
                        (Some(a), Some(b)) => Value::Bool(match f {
                            "contains" => a.contains(&b),
                            "startswith" => a.starts_with(&b),
                            _ => a.ends_with(&b),
                        }),
                        _ => Value::Bool(false),
                    },
                })
            }
        }
    }
}

/// Follow a path through an object, matching property names case-insensitively.
fn resolve(item: &Map<String, Value>, path: &[String]) -> Result<Value, FilterError> {
    let mut cur = item;
    for (i, seg) in path.iter().enumerate() {
        let found = cur
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(seg))
            .map(|(_, v)| v)
            .ok_or_else(|| FilterError::UnknownProperty(seg.clone()))?;
        if i + 1 == path.len() {
            return match found {
                Value::Array(_) | Value::Object(_) => Err(FilterError::Unsupported(format!(
                    "comparing the structured property '{}'",
                    path.join("/")
                ))),
                v => Ok(v.clone()),
            };
        }
        match found {
            Value::Object(m) => cur = m,
            // A null navigation property makes the whole path null.
            Value::Null => return Ok(Value::Null),
            _ => return Err(FilterError::UnknownProperty(path[i + 1].clone())),
        }
    }
    Ok(Value::Null)
}

fn compare(l: &Value, op: Op, r: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (Value::String(a), Value::String(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match (op, ord) {
        (Op::Eq, o) => o == Some(Ordering::Equal),
        (Op::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn evaluates_the_tutorial_filters() {
        let role = obj(json!({"originSystem":"AadGroup","displayName":"Member",
            "accessPackageResource":{"id":"e4dd053f-4299-420f-a340-5a17e65d7261"}}));
        let f = parse("(originSystem eq 'AadGroup' and accessPackageResource/id eq 'e4dd053f-4299-420f-a340-5a17e65d7261' and displayName eq 'Member')").expect("parse");
        assert_eq!(f.matches(&role), Ok(true));
        let f = parse("accessPackageResource/ID eq e4dd053f-4299-420f-a340-5a17e65d7261 and not (displayName ne 'member')").expect("parse");
        assert_eq!(f.matches(&role), Ok(true));
        let f =
            parse("displayName eq 'Owner' or contains(tolower(displayName),'mem')").expect("parse");
        assert_eq!(f.matches(&role), Ok(true));
        assert!(f.uses_or());
    }

    #[test]
    fn reports_problems() {
        assert!(matches!(
            parse("displayName eq"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(parse("(a eq 'b'"), Err(FilterError::Syntax(_))));
        assert!(matches!(parse("a eq 'b"), Err(FilterError::Syntax(_))));
        assert!(matches!(
            parse("roles/any(r:r eq 'x')"),
            Err(FilterError::Unsupported(_))
        ));
        assert!(matches!(
            parse("a in ('x')"),
            Err(FilterError::Unsupported(_))
        ));
        let f = parse("nope eq 'x'").expect("parse");
        assert_eq!(
            f.matches(&Map::new()),
            Err(FilterError::UnknownProperty("nope".into()))
        );
        let f = parse("target/objectId eq 'abc'").expect("parse");
        assert_eq!(f.check_guids(), Err(FilterError::BadGuid));
        let deep = "(".repeat(500) + "a eq 1" + &")".repeat(500);
        assert!(parse(&deep).is_err());
    }
}
