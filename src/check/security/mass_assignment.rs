//! API3 (broken object property level authorization), mass assignment: each write with a
//! JSON object body (POST, PUT, PATCH) is sent as the first identity with properties its
//! schema does not declare (`role: admin`, `is_admin: true`, `owner_id`, `balance`, ...)
//! beside valid values for the declared ones. A property is taken when a later read shows
//! it with the value sent and the same read without it did not: the read is the GET of
//! the same path (`PATCH /me` -> `GET /me`), or for a create the GET its sequence links to
//! (else the write's own answer), and the identity's profile (`GET /me`, `/profile`, ...).
//! Active mode only: it sends writes.

use super::discover::{Found, Prober};
use super::identities::{Answer, Identity, Requests, add_to_body, linked, needs};
use crate::check::outcome::Assertion;
use crate::openapi::case::text;
use crate::openapi::document::Location;
use crate::openapi::plan::body_media;
use crate::openapi::stateful;
use serde_json::{Value, json};

const CATEGORY: &str = "API3:2023 Broken Object Property Level Authorization";
const MAX_REQUESTS: usize = 150;
const MAX_WRITES: usize = 20;
/// The last segment of a path that reads the caller's own profile.
const PROFILE: [&str; 8] = [
    "me",
    "self",
    "profile",
    "account",
    "whoami",
    "user",
    "current-user",
    "current_user",
];

/// The properties sent, with plausible values an attacker would set. `owner` is filled
/// with another identity's name when there is one.
fn extras(other: &str) -> Vec<(String, Value)> {
    [
        ("role", json!("admin")),
        ("roles", json!(["admin"])),
        ("is_admin", json!(true)),
        ("isAdmin", json!(true)),
        ("admin", json!(true)),
        ("is_superuser", json!(true)),
        ("is_staff", json!(true)),
        ("verified", json!(true)),
        ("is_verified", json!(true)),
        ("email_verified", json!(true)),
        ("owner", json!(other)),
        ("owner_id", json!(424242)),
        ("user_id", json!(424242)),
        ("balance", json!(1_000_000)),
        ("credits", json!(1_000_000)),
        ("plan", json!("enterprise")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Is `got` the value sent: equal, or the same text (`"true"` for `true`).
fn same(got: &Value, sent: &Value) -> bool {
    got == sent || (!sent.is_object() && !sent.is_array() && text(got) == text(sent))
}

/// The extras `after` shows as sent that `before` did not.
fn taken(extra: &[(String, Value)], before: Option<&Value>, after: &Value) -> Vec<String> {
    extra
        .iter()
        .filter(|(k, v)| after.get(k).is_some_and(|g| same(g, v)))
        .filter(|(k, v)| !before.and_then(|b| b.get(k)).is_some_and(|g| same(g, v)))
        .map(|(k, _)| k.clone())
        .collect()
}

/// The top-level property names the schema declares (through `allOf`).
fn declared(schema: &Value) -> Vec<String> {
    let merged = crate::openapi::generate::merge_all_of(schema);
    merged
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

pub(super) async fn run(p: &Prober<'_>, ids: &[Identity], found: &mut Found) -> Result<(), String> {
    let mut rq = Requests::new(p, MAX_REQUESTS);
    let ops = &p.doc.operations;
    let Some(me) = ids.first() else {
        return Ok(());
    };
    let other = ids.get(1).map_or("harden", |i| i.name.as_str());
    let links = stateful::links(&p.doc);
    let profiles: Vec<usize> = (0..ops.len())
        .filter(|k| {
            let o = &ops[*k];
            o.method == "get"
                && o.parameters.iter().all(|x| x.location != Location::Path)
                && o.path
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .is_some_and(|s| PROFILE.contains(&s.to_ascii_lowercase().as_str()))
        })
        .collect();
    let mut profile_before: Vec<Option<Value>> = Vec::new();
    for &k in &profiles {
        let case = rq.case(k, &[]);
        let a = rq.send(&case, &me.headers, false).await?;
        profile_before.push(a.filter(Answer::ok).and_then(|a| a.json()));
    }
    let writes: Vec<usize> = (0..ops.len())
        .filter(|k| matches!(ops[*k].method.as_str(), "post" | "put" | "patch"))
        .filter(|k| body_media(&ops[*k]).is_some_and(|m| m.media.contains("json")))
        // A write only another role may call is the access family's.
        .filter(|k| {
            needs(p, *k).is_none_or(|(roles, _)| me.roles.iter().any(|r| roles.contains(r)))
        })
        .take(MAX_WRITES)
        .collect();
    let mut tried = 0;
    let mut not_probed: Vec<String> = Vec::new();
    // What the family created, deleted again at the end: (DELETE operation, parameter, id).
    let mut made: Vec<(usize, String, Value)> = Vec::new();
    for w in writes {
        let op = &ops[w];
        let Some(media) = body_media(op) else {
            continue;
        };
        let names = declared(&media.schema);
        let extra: Vec<(String, Value)> = extras(other)
            .into_iter()
            .filter(|(k, _)| !names.contains(&k.to_ascii_lowercase()))
            .collect();
        if extra.is_empty() {
            continue;
        }
        // A write to an object needs one: created by its sequence.
        let mut fill: Vec<(String, Value)> = Vec::new();
        let takes_path = op.parameters.iter().any(|x| x.location == Location::Path);
        if takes_path {
            for l in links.iter().filter(|l| l.to == w) {
                let case = rq.case(l.from, &[]);
                let Some(a) = rq.send(&case, &me.headers, false).await? else {
                    break;
                };
                made.extend(deletable(&links, ops, l.from, &a));
                if let Some(v) = a.ok().then(|| linked(l, &a)).flatten() {
                    fill.push((l.param.clone(), v));
                    break;
                }
            }
            if fill.is_empty() {
                not_probed.push(op.label());
                continue;
            }
        }
        let read = (0..ops.len()).find(|k| ops[*k].path == op.path && ops[*k].method == "get");
        let link_read = links
            .iter()
            .find(|l| l.from == w && ops[l.to].method == "get");
        // The same write without the extras, read back: the baseline.
        let before = if op.method == "post" {
            let case = rq.case(w, &fill);
            match rq.send(&case, &me.headers, false).await? {
                Some(a) if a.ok() => {
                    made.extend(deletable(&links, ops, w, &a));
                    read_back(&mut rq, me, &a, link_read, &fill, read).await?
                }
                _ => None,
            }
        } else if let Some(r) = read {
            let case = rq.case(r, &fill);
            rq.send(&case, &me.headers, false)
                .await?
                .filter(Answer::ok)
                .and_then(|a| a.json())
        } else {
            None
        };
        let mut case = rq.case(w, &fill);
        add_to_body(&mut case, &extra);
        let Some(sent) = rq.send(&case, &me.headers, false).await? else {
            continue;
        };
        tried += 1;
        if !sent.ok() {
            continue;
        }
        made.extend(deletable(&links, ops, w, &sent));
        let (after, shown) =
            match read_back_answer(&mut rq, me, &sent, link_read, &fill, read).await? {
                Some(a) => (a.json(), a),
                None => (sent.json(), sent.clone()),
            };
        let mut took = after
            .as_ref()
            .map(|a| taken(&extra, before.as_ref(), a))
            .unwrap_or_default();
        let mut seen_in = if took.is_empty() { None } else { Some(shown) };
        for (i, &k) in profiles.iter().enumerate() {
            let case = rq.case(k, &[]);
            let Some(a) = rq.send(&case, &me.headers, false).await? else {
                break;
            };
            let Some(now) = a.ok().then(|| a.json()).flatten() else {
                continue;
            };
            let t = taken(&extra, profile_before[i].as_ref(), &now);
            if !t.is_empty() {
                took.extend(
                    t.into_iter()
                        .filter(|x| !took.contains(x))
                        .collect::<Vec<_>>(),
                );
                seen_in.get_or_insert(a);
            }
            profile_before[i] = Some(now);
        }
        if let Some(evidence) = seen_in {
            let props: Vec<String> = took.iter().map(|t| format!("`{t}`")).collect();
            found.assertions.push(Assertion::new(
                format!(
                    "{CATEGORY}: {} takes {} it does not declare",
                    op.label(),
                    props.join(", ")
                ),
                "ignored or refused: a property the request schema does not declare must not be stored",
                format!(
                    "read back as sent: {} from `{}`, after `{}`",
                    evidence.answer(),
                    evidence.curl,
                    sent.curl
                ),
                false,
            ));
        }
    }
    for (d, param, v) in made {
        let case = rq.case(d, &[(param, v)]);
        rq.send(&case, &me.headers, false).await?;
    }
    if tried > 0 {
        found.assertions.push(Assertion::new(
            format!("{CATEGORY}: writes sent with properties their schema does not declare"),
            "none taken",
            format!("{tried} writes probed"),
            true,
        ));
    }
    if !not_probed.is_empty() {
        found.notes.push(format!(
            "mass-assignment: no object to write to for {}",
            not_probed.join(", ")
        ));
    }
    super::identities::notes("mass-assignment", &rq, MAX_REQUESTS, found);
    Ok(())
}

/// What a successful create made that a DELETE of its sequence removes.
fn deletable(
    links: &[stateful::Link],
    ops: &[crate::openapi::document::Operation],
    from: usize,
    a: &Answer,
) -> Vec<(usize, String, Value)> {
    if !a.ok() || ops[from].method != "post" {
        return Vec::new();
    }
    links
        .iter()
        .filter(|l| l.from == from && ops[l.to].method == "delete")
        .filter_map(|l| Some((l.to, l.param.clone(), linked(l, a)?)))
        .take(1)
        .collect()
}

/// The object a write made or changed, read back: through the create's link, else the
/// GET of the same path; `None` when there is neither.
async fn read_back_answer(
    rq: &mut Requests<'_>,
    me: &Identity,
    written: &Answer,
    link: Option<&stateful::Link>,
    fill: &[(String, Value)],
    same_path: Option<usize>,
) -> Result<Option<Answer>, String> {
    let case = if let Some(l) = link {
        let Some(v) = linked(l, written) else {
            return Ok(None);
        };
        rq.case(l.to, &[(l.param.clone(), v)])
    } else if let Some(r) = same_path {
        rq.case(r, fill)
    } else {
        return Ok(None);
    };
    Ok(rq.send(&case, &me.headers, false).await?.filter(Answer::ok))
}

/// As `read_back_answer`, as JSON; the write's own answer when nothing reads it back.
async fn read_back(
    rq: &mut Requests<'_>,
    me: &Identity,
    written: &Answer,
    link: Option<&stateful::Link>,
    fill: &[(String, Value)],
    same_path: Option<usize>,
) -> Result<Option<Value>, String> {
    Ok(
        match read_back_answer(rq, me, written, link, fill, same_path).await? {
            Some(a) => a.json(),
            None => written.json(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_is_taken_when_it_reads_back_as_sent_and_did_not_before() {
        let extra = extras("bob");
        let before = json!({"user": "ada", "role": "user", "verified": true});
        let after = json!({"user": "ada", "role": "admin", "verified": true, "owner": "ada"});
        assert_eq!(taken(&extra, Some(&before), &after), ["role"]);
        assert_eq!(
            taken(
                &extra,
                None,
                &json!({"is_admin": "true", "balance": 1000000})
            ),
            ["is_admin", "balance"]
        );
        assert!(taken(&extra, Some(&after), &after).is_empty());
    }

    #[test]
    fn declared_properties_are_read_through_all_of_and_case() {
        let s = json!({"allOf": [{"properties": {"Role": {"type": "string"}}},
            {"properties": {"text": {"type": "string"}}}]});
        assert_eq!(declared(&s), ["role", "text"]);
    }
}
