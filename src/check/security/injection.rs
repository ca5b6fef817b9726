//! Injection (OWASP API8:2023, security misconfiguration; injection had a category of its
//! own until 2019): SQL, OS command, template and path traversal payloads, one input at a
//! time, every other input valid. Found by what the payload makes the service do, never
//! by the payload coming back: a database error in the answer, a number only a shell or a
//! template engine could have computed, the contents of `/etc/passwd`; and a lone quote
//! that fails (5xx) where the same quote doubled does not. Evidence already in the answer
//! to the valid request is not evidence.

use super::discover::{Found, Prober, Sent};
use super::inputs::{self, Held, Input};
use crate::check::outcome::Assertion;
use crate::openapi::document::Operation;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

const CATEGORY: &str = "API8:2023 Security Misconfiguration (injection)";
/// The most requests this family sends.
const MAX_REQUESTS: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Sql,
    Command,
    Template,
    Traversal,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sql => "SQL injection",
            Kind::Command => "OS command injection",
            Kind::Template => "template injection",
            Kind::Traversal => "path traversal",
        }
    }

    fn why(self) -> &'static str {
        match self {
            Kind::Sql => {
                "the input is passed to the database as data (a bound parameter), never written into the query"
            }
            Kind::Command => "the input never reaches a shell",
            Kind::Template => "the input is rendered as data, never compiled as a template",
            Kind::Traversal => "the input names a file only inside the directory it may read",
        }
    }
}

/// 48271 × 3: what a shell or a template engine computes from the payloads below. The
/// payloads never contain it, so finding it in an answer means the input was run.
const PRODUCT: &str = "144813";
/// What the command payloads print: the product after a prefix.
const SHELL_MARK: &str = "hdn144813";

/// The payloads, in the order they are sent to each input.
pub(super) const PAYLOADS: [(Kind, &str); 16] = [
    (Kind::Sql, "'"),
    (Kind::Sql, "harden' OR '1'='1"),
    (Kind::Sql, "1\" OR \"1\"=\"1"),
    (Kind::Command, ";echo hdn$((48271*3))"),
    (Kind::Command, "|echo hdn$((48271*3))"),
    (Kind::Command, "$(echo hdn$((48271*3)))"),
    (Kind::Command, "`echo hdn$((48271*3))`"),
    (Kind::Command, ";id"),
    (Kind::Template, "{{48271*3}}"),
    (Kind::Template, "${48271*3}"),
    (Kind::Template, "<%= 48271*3 %>"),
    (Kind::Template, "#{48271*3}"),
    (Kind::Traversal, "../../../../../../../../etc/passwd"),
    (
        Kind::Traversal,
        "....//....//....//....//....//....//etc/passwd",
    ),
    (Kind::Traversal, "/etc/passwd"),
    (Kind::Traversal, "..\\..\\..\\..\\..\\..\\windows\\win.ini"),
];

/// A payload that makes a condition always true: in a write that builds an `UPDATE` or a
/// `DELETE`, it would reach every row, so writes get only the lone quotes.
fn tautology(payload: &str) -> bool {
    payload.contains(" OR ")
}

/// Database errors, by engine: SQLite, PostgreSQL, MySQL/MariaDB, SQL Server, Oracle,
/// and the drivers and ORMs that wrap them.
static SQL_ERRORS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)sqlite3?\.(?:Operational|Programming|Database)Error|SQLITE_ERROR|unrecognized token:",
        r#"|near "[^"]{0,40}": syntax error|unterminated quoted string|syntax error at or near"#,
        r"|PG::SyntaxError|psycopg2?\.errors|SQLSTATE\[|You have an error in your SQL syntax",
        r"|MySQLSyntaxErrorException|mysql_fetch|Unclosed quotation mark after the character string",
        r"|quoted string not properly terminated|ORA-0\d{4}|Microsoft OLE DB Provider",
        r"|System\.Data\.SqlClient|org\.hibernate\.|PDOException|SequelizeDatabaseError",
    ))
    .ok()
});
/// The output of `id`.
static ID_OUTPUT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"uid=\d+\([\w.-]+\) gid=\d+\(").ok());
/// A line of `/etc/passwd`, or a section of `win.ini`.
static FILES: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"root:[x*]?:0:0:|\[(?:fonts|extensions|mci extensions)\]").ok());

fn found_by(re: &LazyLock<Option<Regex>>, body: &str) -> Option<String> {
    re.as_ref()?
        .find(body)
        .map(|m| m.as_str().chars().take(60).collect())
}

/// What in `body` (the answer to a `kind` payload) shows the payload was run, that the
/// answer to the valid request (`baseline`) does not already show.
pub(super) fn evidence(kind: Kind, baseline: &str, body: &str) -> Option<String> {
    let new = |e: &str| !baseline.contains(e);
    let got = match kind {
        Kind::Sql => found_by(&SQL_ERRORS, body).map(|e| {
            (
                e.clone(),
                format!("with `{e}`, a database error, in the answer"),
            )
        }),
        Kind::Command => {
            if body.contains(SHELL_MARK) {
                Some((
                    SHELL_MARK.to_string(),
                    format!("with `{SHELL_MARK}`, which only a shell computes, in the answer"),
                ))
            } else {
                found_by(&ID_OUTPUT, body).map(|e| {
                    (
                        e.clone(),
                        format!("with `{e}`, the output of `id`, in the answer"),
                    )
                })
            }
        }
        Kind::Template => body.contains(PRODUCT).then(|| {
            (
                PRODUCT.to_string(),
                format!("with `{PRODUCT}` (48271*3, computed by a template engine) in the answer"),
            )
        }),
        Kind::Traversal => found_by(&FILES, body).map(|e| {
            (
                e.clone(),
                format!("with `{e}`, a system file's contents, in the answer"),
            )
        }),
    };
    got.filter(|(e, _)| new(e)).map(|(_, says)| says)
}

/// The inputs a payload can reach: free text (no enum, format or pattern a validating
/// service would refuse the payload by), and not a URL (the SSRF family's).
fn probed(i: &Input) -> bool {
    inputs::free_text(&i.schema) && !i.is_url()
}

pub(super) async fn run(p: &Prober<'_>, found: &mut Found) -> Result<(), String> {
    let mut held = Held::default();
    let mut sent = 0usize;
    let mut probed_inputs = 0usize;
    let mut findings = 0usize;
    'ops: for (index, op) in p.doc.operations.iter().enumerate() {
        let targets: Vec<Input> = inputs::inputs(op).into_iter().filter(probed).collect();
        if targets.is_empty() || !held.pass(p.gate(op), op) {
            continue;
        }
        let baseline = p.send_case(op, &inputs::case(index, op, None)).await?;
        sent += 1;
        // The suite's credentials refused: the handler would never meet a payload.
        if !op.credentials.is_empty() && matches!(baseline.response.status, 401 | 403) {
            found.notes.push(format!(
                "injection: {} refused the suite's credentials ({}); not probed",
                op.label(),
                baseline.response.status
            ));
            continue;
        }
        let write = !op.method.eq_ignore_ascii_case("get");
        for input in &targets {
            probed_inputs += 1;
            let mut done: Vec<Kind> = Vec::new();
            for (kind, payload) in PAYLOADS {
                if done.contains(&kind)
                    || !inputs::fits(&input.schema, payload)
                    || (write && tautology(payload))
                {
                    continue;
                }
                if sent >= MAX_REQUESTS {
                    found.notes.push(format!(
                        "injection: stopped after {MAX_REQUESTS} requests, at {} {}",
                        op.label(),
                        input.describe()
                    ));
                    break 'ops;
                }
                let s = probe(p, index, op, input, payload).await?;
                sent += 1;
                let mut says = evidence(kind, &baseline.response.body, &s.response.body);
                if says.is_none() && kind == Kind::Sql && payload == "'" {
                    says = quote_fails(p, index, op, input, &baseline, &s, &mut sent).await?;
                }
                if let Some(says) = says {
                    done.push(kind);
                    findings += 1;
                    found
                        .assertions
                        .push(finding(p, op, input, kind, payload, &says, &s));
                }
            }
        }
    }
    if let Some(n) = held.note("injection") {
        found.notes.push(n);
    }
    if probed_inputs == 0 {
        found
            .notes
            .push("injection: no text input the document describes could be probed".into());
        return Ok(());
    }
    if findings == 0 {
        found.assertions.push(Assertion::new(
            format!("{CATEGORY}: SQL, OS command, template and path traversal payloads"),
            "no database error, computed marker or system file in any answer",
            format!("none in {sent} answers to {probed_inputs} inputs"),
            true,
        ));
    }
    Ok(())
}

async fn probe(
    p: &Prober<'_>,
    index: usize,
    op: &Operation,
    input: &Input,
    payload: &str,
) -> Result<Sent, String> {
    let case = inputs::case(index, op, Some((&input.slot, Value::from(payload))));
    p.send_case(op, &case).await
}

/// A lone quote that fails (5xx) where the valid request did not, and the quote doubled
/// (an escaped quote in SQL) does not fail: the quote broke a query.
async fn quote_fails(
    p: &Prober<'_>,
    index: usize,
    op: &Operation,
    input: &Input,
    baseline: &Sent,
    quote: &Sent,
    sent: &mut usize,
) -> Result<Option<String>, String> {
    let fails = |s: &Sent| s.response.status >= 500;
    if !fails(quote) || fails(baseline) {
        return Ok(None);
    }
    let doubled = probe(p, index, op, input, "''").await?;
    *sent += 1;
    Ok((!fails(&doubled)).then(|| {
        format!(
            "where the quote doubled (escaped, in SQL) got {}",
            doubled.response.status
        )
    }))
}

fn finding(
    p: &Prober<'_>,
    op: &Operation,
    input: &Input,
    kind: Kind,
    payload: &str,
    says: &str,
    s: &Sent,
) -> Assertion {
    let mut says = says.to_string();
    p.cx.redactor.text(&mut says);
    Assertion::new(
        format!(
            "{CATEGORY}: {} in {} {}",
            kind.name(),
            op.label(),
            input.describe()
        ),
        format!("`{payload}` handled as data: {}", kind.why()),
        format!("{} {says}, from `{}`", s.answer(), s.curl),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_computed_marker_is_evidence_and_the_payload_echoed_back_is_not() {
        let echoed = r#"{"greeting": "hello {{48271*3}}"}"#;
        assert_eq!(evidence(Kind::Template, "{}", echoed), None);
        assert!(
            evidence(Kind::Template, "{}", r#"{"greeting": "hello 144813"}"#)
                .is_some_and(|e| e.contains("`144813`"))
        );
        for (kind, payload) in PAYLOADS {
            let echoed = format!("{{\"q\": \"{payload}\"}}");
            assert_eq!(evidence(kind, "{}", &echoed), None, "{payload} echoed back");
        }
        assert!(evidence(Kind::Command, "", "resolving\nhdn144813\n").is_some());
        assert!(
            evidence(
                Kind::Command,
                "",
                "uid=1000(app) gid=1000(app) groups=1000(app)"
            )
            .is_some()
        );
    }

    #[test]
    fn what_the_valid_request_already_shows_is_not_evidence() {
        let page = "see 144813 for details";
        assert_eq!(evidence(Kind::Template, page, page), None);
        let passwd = "root:x:0:0:root:/root:/bin/bash";
        assert_eq!(evidence(Kind::Traversal, passwd, passwd), None);
        assert!(evidence(Kind::Traversal, "report", passwd).is_some());
    }

    #[test]
    fn database_errors_are_told_by_their_text() {
        for body in [
            r#"{"detail": "unrecognized token: \"'%\""}"#,
            "sqlite3.OperationalError: near \"OR\": syntax error",
            "ERROR:  unterminated quoted string at or near \"'\"",
            "You have an error in your SQL syntax; check the manual",
            "Unclosed quotation mark after the character string ''.",
            "ORA-01756: quoted string not properly terminated",
        ] {
            assert!(evidence(Kind::Sql, "", body).is_some(), "{body}");
        }
        assert_eq!(evidence(Kind::Sql, "", r#"{"detail": "not found"}"#), None);
    }

    #[test]
    fn writes_get_no_payload_that_makes_a_condition_always_true() {
        let sql: Vec<&str> = PAYLOADS
            .iter()
            .filter(|(k, p)| *k == Kind::Sql && !tautology(p))
            .map(|(_, p)| *p)
            .collect();
        assert_eq!(sql, ["'"]);
    }

    #[test]
    fn no_payload_contains_the_product_it_asks_for() {
        for (_, payload) in PAYLOADS {
            assert!(!payload.contains(PRODUCT), "{payload}");
        }
    }
}
