//! API1 (broken object level authorization) and API5 (broken function level authorization):
//! the access matrix of the suite's identities.
//!
//! Objects: what each identity's list operations (`GET /notes`) answer, and in active mode
//! what it creates through the engine's sequences (`POST /notes` -> `/notes/{note_id}`).
//! An object is one identity's when no other identity's listing holds it: the others must
//! not get it. Its owner reads it first (a 2xx, the baseline); then each other identity
//! and no identity send the same request, and a 2xx with the owner's body is a finding
//! (the Autorize rule). In active mode its writes (PUT, PATCH, then DELETE) are replayed
//! too, where any 2xx is a finding; objects harden created are deleted by their owner
//! afterwards.
//!
//! Roles: an operation the suite's `roles:`, the document's `x-roles` or a path or tag
//! naming admin restricts is called by every identity without the role and by no identity;
//! a 2xx is a finding. Safe mode sends only the reads.

use super::discover::{Found, Prober};
use super::identities::{Answer, Identity, Requests, anonymous, id_of, linked, needs};
use crate::check::outcome::Assertion;
use crate::openapi::case::text;
use crate::openapi::document::Location;
use crate::openapi::stateful;
use serde_json::Value;
use std::collections::HashSet;

const BOLA: &str = "API1:2023 Broken Object Level Authorization";
const BFLA: &str = "API5:2023 Broken Function Level Authorization";
/// The most requests the family sends.
const MAX_REQUESTS: usize = 400;
/// Objects replayed per identity and path, and in all.
const PER_OWNER: usize = 2;
const MAX_OBJECTS: usize = 24;
/// Operations that create, tried per identity (active mode).
const MAX_CREATORS: usize = 8;

/// An object one identity may use.
struct Obj {
    owner: usize,
    /// The documented item path (`/notes/{note_id}`) and its parameter.
    path: String,
    param: String,
    value: Value,
    /// Created by its owner in this run, by this operation (else listed by it).
    created: Option<String>,
}

impl Obj {
    fn origin(&self, ids: &[Identity], lists: &str) -> String {
        let owner = &ids[self.owner].name;
        match &self.created {
            Some(op) => format!("{owner} created it with {op}"),
            None => format!("only {owner}'s {lists} lists it"),
        }
    }
}

/// The parameter of `path` when it is `base/{param}`.
fn item_param<'a>(base: &str, path: &'a str) -> Option<&'a str> {
    path.strip_prefix(base.trim_end_matches('/'))?
        .strip_prefix("/{")?
        .strip_suffix('}')
        .filter(|p| !p.contains(['/', '{']))
}

/// The items of a listing: the array itself, or the first array of an object (`items`,
/// `data`, `results` first).
fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        Value::Object(m) => ["items", "data", "results", "content"]
            .iter()
            .filter_map(|k| m.get(*k))
            .chain(m.values())
            .find_map(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        _ => &[],
    }
}

fn who(ids: &[Identity], j: Option<usize>) -> String {
    j.map_or_else(|| "no identity".to_string(), |j| ids[j].name.clone())
}

/// Answers that should have been refused, counted; one finding per key (who did what with
/// which operation), whatever the object.
struct Tally {
    seen: HashSet<String>,
    tried: usize,
    refused: usize,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            seen: HashSet::new(),
            tried: 0,
            refused: 0,
        }
    }

    /// Counts an answer that should have been refused; a finding when it was `allowed`.
    fn count(
        &mut self,
        found: &mut Found,
        key: String,
        allowed: bool,
        finding: impl FnOnce() -> Assertion,
    ) {
        self.tried += 1;
        if !allowed {
            self.refused += 1;
        } else if self.seen.insert(key) {
            found.assertions.push(finding());
        }
    }
}

pub(super) async fn run(p: &Prober<'_>, ids: &[Identity], found: &mut Found) -> Result<(), String> {
    let mut rq = Requests::new(p, MAX_REQUESTS);
    let anon = anonymous(p);
    let ops = &p.doc.operations;
    let mut objs: Vec<Obj> = Vec::new();

    // Active mode: each identity creates through the engine's sequences.
    if !p.safe {
        let links = stateful::links(&p.doc);
        let mut creators: Vec<usize> = links.iter().map(|l| l.from).collect();
        creators.sort_unstable();
        creators.dedup();
        creators.truncate(MAX_CREATORS);
        for &from in &creators {
            for (i, id) in ids.iter().enumerate() {
                let case = rq.case(from, &[]);
                let Some(a) = rq.send(&case, &id.headers, false).await? else {
                    break;
                };
                if !a.ok() {
                    continue;
                }
                for l in links.iter().filter(|l| l.from == from) {
                    let Some(v) = linked(l, &a) else {
                        continue;
                    };
                    let path = ops[l.to].path.clone();
                    if !objs.iter().any(|o| o.path == path && o.value == v) {
                        objs.push(Obj {
                            owner: i,
                            path,
                            param: l.param.clone(),
                            value: v,
                            created: Some(ops[from].label()),
                        });
                    }
                }
            }
        }
    }

    // Every mode: what each identity's list operations answer.
    let mut list_label: Vec<(String, String)> = Vec::new();
    for (li, list) in ops.iter().enumerate() {
        if list.method != "get" || list.parameters.iter().any(|x| x.location == Location::Path) {
            continue;
        }
        let mut paths: Vec<(&str, &str)> = Vec::new();
        for o in ops {
            if let Some(param) = item_param(&list.path, &o.path)
                && !paths.iter().any(|(p, _)| *p == o.path)
            {
                paths.push((&o.path, param));
            }
        }
        if paths.is_empty() {
            continue;
        }
        let mut per: Vec<Option<Vec<Value>>> = Vec::new();
        for id in ids {
            let case = rq.case(li, &[]);
            let got = rq.send(&case, &id.headers, false).await?;
            per.push(
                got.filter(Answer::ok)
                    .and_then(|a| a.json())
                    .map(|j| items(&j).iter().take(50).cloned().collect::<Vec<Value>>()),
            );
        }
        for (path, param) in paths {
            list_label.push((path.to_string(), list.label()));
            let values: Vec<Vec<Value>> = per
                .iter()
                .map(|l| {
                    l.iter()
                        .flatten()
                        .filter_map(|item| id_of(item, param))
                        .collect()
                })
                .collect();
            let listed_by_other = |owner: usize, v: &Value| {
                values
                    .iter()
                    .enumerate()
                    .any(|(j, vs)| j != owner && vs.contains(v))
            };
            // A created object another identity lists is shared, not its creator's.
            objs.retain(|o| o.path != path || !listed_by_other(o.owner, &o.value));
            for (i, vs) in values.iter().enumerate() {
                for v in vs.iter().filter(|v| !listed_by_other(i, v)).take(PER_OWNER) {
                    if !objs.iter().any(|o| o.path == path && o.value == *v) {
                        objs.push(Obj {
                            owner: i,
                            path: path.to_string(),
                            param: param.to_string(),
                            value: v.clone(),
                            created: None,
                        });
                    }
                }
            }
        }
    }
    objs.truncate(MAX_OBJECTS);

    // The matrix: each object as every other identity and as none.
    let mut bola = Tally::new();
    let mut held_writes = false;
    let others = |owner: usize| {
        (0..ids.len())
            .filter(move |j| *j != owner)
            .map(Some)
            .chain([None])
    };
    for o in &objs {
        let lists = list_label
            .iter()
            .find(|(p, _)| *p == o.path)
            .map_or("listing".to_string(), |(_, l)| l.clone());
        let origin = o.origin(ids, &lists);
        let owner = &ids[o.owner].name;
        let fill = [(o.param.clone(), o.value.clone())];
        let on: Vec<usize> = (0..ops.len()).filter(|k| ops[*k].path == o.path).collect();
        let mut deleted = false;
        if let Some(&g) = on.iter().find(|k| ops[**k].method == "get") {
            let case = rq.case(g, &fill);
            let Some(mine) = rq.send(&case, &ids[o.owner].headers, false).await? else {
                continue;
            };
            if !mine.ok() {
                continue;
            }
            for j in others(o.owner) {
                let headers = j.map_or(&anon, |j| &ids[j].headers);
                let Some(a) = rq.send(&case, headers, j.is_none()).await? else {
                    break;
                };
                let same = a.ok() && a.same_body(&mine);
                let name = who(ids, j);
                bola.count(found, format!("{name} get {g}"), same, || {
                    a.finding(
                        BOLA,
                        &format!("{name} reads {owner}'s object with {}", ops[g].label()),
                        &format!(
                            "refused (401, 403 or 404): {} {} is {owner}'s ({origin}), and {name} got the body {owner} gets",
                            o.param,
                            text(&o.value)
                        ),
                    )
                });
            }
        } else if o.created.is_none() {
            continue;
        }
        let mut writes: Vec<usize> = on
            .iter()
            .copied()
            .filter(|k| matches!(ops[*k].method.as_str(), "put" | "patch" | "delete"))
            .collect();
        writes.sort_by_key(|k| ops[*k].method == "delete");
        if p.safe {
            held_writes |= !writes.is_empty();
            continue;
        }
        for w in writes {
            let case = rq.case(w, &fill);
            for j in others(o.owner) {
                if deleted {
                    break;
                }
                let headers = j.map_or(&anon, |j| &ids[j].headers);
                let Some(a) = rq.send(&case, headers, j.is_none()).await? else {
                    break;
                };
                let verb = if ops[w].method == "delete" {
                    deleted = a.ok();
                    "deletes"
                } else {
                    "changes"
                };
                let name = who(ids, j);
                bola.count(found, format!("{name} {w}"), a.ok(), || {
                    a.finding(
                        BOLA,
                        &format!("{name} {verb} {owner}'s object with {}", ops[w].label()),
                        &format!(
                            "refused (401, 403 or 404): {} {} is {owner}'s ({origin}); another identity's write must not succeed",
                            o.param,
                            text(&o.value)
                        ),
                    )
                });
            }
        }
        // What harden created, its owner deletes again.
        if o.created.is_some()
            && !deleted
            && let Some(&d) = on.iter().find(|k| ops[**k].method == "delete")
        {
            let case = rq.case(d, &fill);
            rq.send(&case, &ids[o.owner].headers, false).await?;
        }
    }

    // Operations a role restricts, called without it.
    let mut bfla = Tally::new();
    let mut held_roles = 0;
    for (k, op) in ops.iter().enumerate() {
        let Some((roles, source)) = needs(p, k) else {
            continue;
        };
        if p.safe && !matches!(op.method.as_str(), "get" | "head") {
            held_roles += 1;
            continue;
        }
        let fill: Vec<(String, Value)> = objs
            .iter()
            .find(|o| o.path == op.path)
            .map(|o| vec![(o.param.clone(), o.value.clone())])
            .unwrap_or_default();
        let case = rq.case(k, &fill);
        let lacking = (0..ids.len())
            .filter(|j| !ids[*j].roles.iter().any(|r| roles.contains(r)))
            .map(Some)
            .chain([None]);
        for j in lacking {
            let headers = j.map_or(&anon, |j| &ids[j].headers);
            let Some(a) = rq.send(&case, headers, j.is_none()).await? else {
                break;
            };
            let name = who(ids, j);
            let held = j
                .map(|j| &ids[j].roles)
                .filter(|r| !r.is_empty())
                .map_or("no role".to_string(), |r| format!("roles {}", r.join(", ")));
            bfla.count(found, format!("{name} {k}"), a.ok(), || {
                a.finding(
                    BFLA,
                    &format!(
                        "{name} calls {}, which needs role {}",
                        op.label(),
                        roles.join(" or ")
                    ),
                    &format!(
                        "refused (401 or 403): {source} restricts it to {}, and {name} has {held}",
                        roles.join(" or ")
                    ),
                )
            });
        }
    }

    if bola.tried > 0 {
        found.assertions.push(Assertion::new(
            format!("{BOLA}: objects of one identity requested by the others and by no identity"),
            "refused",
            format!("{} of {} refused", bola.refused, bola.tried),
            true,
        ));
    } else {
        found.notes.push(format!(
            "access: no object of one identity to replay (no list operation answered with ids{})",
            if p.safe {
                "; safe mode creates none"
            } else {
                " and nothing was created"
            }
        ));
    }
    if bfla.tried > 0 {
        found.assertions.push(Assertion::new(
            format!("{BFLA}: operations a role restricts, called without it"),
            "refused",
            format!("{} of {} refused", bfla.refused, bfla.tried),
            true,
        ));
    }
    if held_writes {
        found
            .held
            .push("access: writes to one identity's objects as the others".into());
    }
    if held_roles > 0 {
        found
            .held
            .push(format!("access: {held_roles} writes a role restricts"));
    }
    super::identities::notes("access", &rq, MAX_REQUESTS, found);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_item_path_is_its_collection_and_one_parameter() {
        assert_eq!(item_param("/notes", "/notes/{note_id}"), Some("note_id"));
        assert_eq!(item_param("/notes/", "/notes/{id}"), Some("id"));
        assert_eq!(item_param("/notes", "/notes/{id}/tags"), None);
        assert_eq!(item_param("/notes", "/notes"), None);
        assert_eq!(item_param("/notes", "/notesx/{id}"), None);
    }

    #[test]
    fn a_listing_is_an_array_or_the_first_array_of_an_object() {
        let a = json!([{"id": 1}]);
        assert_eq!(items(&a).len(), 1);
        let o = json!({"total": 2, "data": [{"id": 1}, {"id": 2}]});
        assert_eq!(items(&o).len(), 2);
        assert!(items(&json!({"id": 1})).is_empty());
    }
}
