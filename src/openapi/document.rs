//! An OpenAPI 3.0 or 3.1 document, read from JSON or YAML text, as the engine uses it:
//! the `servers` base path, and every operation with its parameters (the path item's and
//! the operation's merged, the operation's win), request body media types, responses per
//! status with their media types, schemas and headers, and its security requirements.

use super::resolve::{follow, inline, normalise, resolve};
use serde_json::{Map, Value};

/// The largest document text read, and how many `$ref`s deep a schema is inlined.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;
pub(crate) const MAX_REF_DEPTH: usize = 8;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum DocumentError {
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the document is neither JSON nor YAML: {0}")]
    Syntax(String),
    #[error(
        "the document is Swagger {0}, which this check does not read\nhint: convert it to OpenAPI 3 (for example with swagger2openapi) and point `document` at the result"
    )]
    Swagger(String),
    #[error("the document is not OpenAPI 3 (its `openapi` field is {0})")]
    NotOpenApi3(String),
    #[error("the document has no `paths` object; is it an OpenAPI document?")]
    NoPaths,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone)]
pub(crate) struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// Inlined and normalised to JSON Schema.
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub(crate) struct MediaType {
    pub media: String,
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub(crate) struct ResponseSpec {
    /// `200`, `4XX` or `default`.
    pub status: String,
    pub content: Vec<MediaType>,
    /// Required response headers.
    pub headers: Vec<String>,
    /// `links` of this response: name -> Link object.
    pub links: Map<String, Value>,
}

/// How a credential is sent, from a security scheme.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Credential {
    Header(String),
    Query(String),
    Cookie(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub method: String,
    /// The path as documented (`/pets/{id}`), without the server's base path.
    pub path: String,
    pub operation_id: Option<String>,
    pub tags: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub body: Vec<MediaType>,
    pub body_required: bool,
    pub responses: Vec<ResponseSpec>,
    /// Where the credentials of its security requirement go; empty when it needs none
    /// (or one of its alternatives is `{}`).
    pub credentials: Vec<Credential>,
    /// The names of the security schemes its requirement names (any alternative); empty
    /// when it needs none.
    pub schemes: Vec<String>,
}

/// A security scheme of `components.securitySchemes`: its name, where its credential
/// goes, and for an `http` scheme its `scheme` (`bearer`, `basic`), lower case.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scheme {
    pub name: String,
    pub at: Credential,
    pub http: Option<String>,
}

impl Operation {
    /// `GET /pets/{id}`.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }

    /// The response documented for `status`: exact, then `4XX`, then `default`.
    pub(crate) fn response(&self, status: u16) -> Option<&ResponseSpec> {
        let code = status.to_string();
        let class = format!("{}XX", status / 100);
        self.responses
            .iter()
            .find(|r| r.status == code)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status.eq_ignore_ascii_case(&class))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Document {
    /// The first server's path (`/v1`), variables at their defaults; empty for `/`.
    pub base_path: String,
    pub operations: Vec<Operation>,
    /// `components.securitySchemes`, in document order.
    pub schemes: Vec<Scheme>,
}

/// Parses document text: JSON, else YAML.
pub(crate) fn parse(text: &str) -> Result<Value, DocumentError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(DocumentError::TooLarge(MAX_DOCUMENT_BYTES));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(json) => serde_saphyr::from_str::<Value>(text).map_err(|yaml| {
            let first = text.trim_start().chars().next();
            DocumentError::Syntax(if matches!(first, Some('{') | Some('[')) {
                json.to_string()
            } else {
                yaml.to_string()
            })
        }),
    }
}

impl Document {
    /// Reads document text (JSON or YAML).
    pub(crate) fn from_text(text: &str) -> Result<Document, DocumentError> {
        Document::new(parse(text)?)
    }

    pub(crate) fn new(raw: Value) -> Result<Document, DocumentError> {
        if let Some(v) = raw.get("swagger") {
            return Err(DocumentError::Swagger(super::case::text(v)));
        }
        match raw.get("openapi") {
            Some(Value::String(v)) if v.starts_with("3.") => {}
            Some(other) => return Err(DocumentError::NotOpenApi3(other.to_string())),
            None => return Err(DocumentError::NotOpenApi3("absent".into())),
        }
        if !raw.get("paths").is_some_and(Value::is_object) {
            return Err(DocumentError::NoPaths);
        }
        let base_path = base_path(&raw);
        let operations = operations(&raw);
        Ok(Document {
            base_path,
            operations,
            schemes: schemes(&raw),
        })
    }
}

fn schema_of(doc: &Value, schema: &Value) -> Value {
    let mut s = inline(doc, schema, MAX_REF_DEPTH);
    normalise(&mut s);
    s
}

/// The first server's URL path, its variables at their defaults.
fn base_path(doc: &Value) -> String {
    let Some(server) = doc.pointer("/servers/0") else {
        return String::new();
    };
    let mut url = server
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            let default = var
                .get("default")
                .map(super::case::text)
                .unwrap_or_default();
            url = url.replace(&format!("{{{name}}}"), &default);
        }
    }
    let path = match url.find("://") {
        Some(i) => url[i + 3..]
            .find('/')
            .map(|j| &url[i + 3 + j..])
            .unwrap_or(""),
        None => url.as_str(),
    };
    path.trim_end_matches('/').to_string()
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    let global_security = doc.get("security");
    for (path, item) in paths {
        let item = resolve(doc, item);
        let shared = item.get("parameters").and_then(Value::as_array);
        for method in METHODS {
            let Some(op) = item.get(method).filter(|o| o.is_object()) else {
                continue;
            };
            let mut parameters: Vec<Parameter> = Vec::new();
            let own = op.get("parameters").and_then(Value::as_array);
            for p in own
                .into_iter()
                .flatten()
                .chain(shared.into_iter().flatten())
            {
                let Some(p) = parameter(doc, p) else { continue };
                if !parameters
                    .iter()
                    .any(|q| q.name == p.name && q.location == p.location)
                {
                    parameters.push(p);
                }
            }
            let body = op.get("requestBody").map(|b| resolve(doc, b));
            let security = op.get("security").or(global_security);
            out.push(Operation {
                method: method.to_string(),
                path: path.clone(),
                operation_id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                tags: op
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                parameters,
                body: body
                    .and_then(|b| b.get("content"))
                    .map(|c| content(doc, c))
                    .unwrap_or_default(),
                body_required: body
                    .and_then(|b| b.get("required"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                responses: op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| rs.iter().map(|(s, r)| response(doc, s, r)).collect())
                    .unwrap_or_default(),
                credentials: credentials(doc, security),
                schemes: if credentials(doc, security).is_empty() {
                    Vec::new()
                } else {
                    scheme_names(security)
                },
            });
        }
    }
    out
}

fn parameter(doc: &Value, p: &Value) -> Option<Parameter> {
    let p = follow(doc, p).ok()?;
    let name = p.get("name")?.as_str()?.to_string();
    let location = match p.get("in")?.as_str()? {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        "cookie" => Location::Cookie,
        _ => return None,
    };
    let schema = p
        .get("schema")
        .or_else(|| {
            // `content` instead of `schema`: its one media type's schema.
            p.get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .and_then(|m| m.get("schema"))
        })
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    Some(Parameter {
        required: location == Location::Path
            || p.get("required").and_then(Value::as_bool).unwrap_or(false),
        name,
        location,
        schema: schema_of(doc, &schema),
    })
}

fn content(doc: &Value, c: &Value) -> Vec<MediaType> {
    let Some(c) = c.as_object() else {
        return Vec::new();
    };
    c.iter()
        .map(|(media, m)| MediaType {
            media: media.to_ascii_lowercase(),
            schema: m
                .get("schema")
                .map(|s| schema_of(doc, s))
                .unwrap_or(Value::Object(Map::new())),
        })
        .collect()
}

fn response(doc: &Value, status: &str, r: &Value) -> ResponseSpec {
    let r = resolve(doc, r);
    ResponseSpec {
        status: status.to_string(),
        content: r
            .get("content")
            .map(|c| content(doc, c))
            .unwrap_or_default(),
        headers: r
            .get("headers")
            .and_then(Value::as_object)
            .map(|hs| {
                hs.iter()
                    .filter(|(_, h)| {
                        resolve(doc, h).get("required").and_then(Value::as_bool) == Some(true)
                    })
                    .map(|(n, _)| n.to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default(),
        links: r
            .get("links")
            .and_then(Value::as_object)
            .map(|ls| {
                ls.iter()
                    .map(|(k, l)| (k.clone(), resolve(doc, l).clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The scheme names a `security` value requires, each once.
fn scheme_names(security: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys())
    {
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

/// `components.securitySchemes`, each with where its credential goes.
fn schemes(doc: &Value) -> Vec<Scheme> {
    let Some(all) = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    all.iter()
        .map(|(name, s)| {
            let s = resolve(doc, s);
            Scheme {
                name: name.clone(),
                at: placement(s),
                http: (s.get("type").and_then(Value::as_str) == Some("http")).then(|| {
                    s.get("scheme")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_ascii_lowercase()
                }),
            }
        })
        .collect()
}

/// Where a scheme's credential goes: an `apiKey` in its header, query or cookie; every
/// other type in `Authorization`.
fn placement(s: &Value) -> Credential {
    match (
        s.get("type").and_then(Value::as_str),
        s.get("in").and_then(Value::as_str),
        s.get("name").and_then(Value::as_str),
    ) {
        (Some("apiKey"), Some("query"), Some(n)) => Credential::Query(n.to_string()),
        (Some("apiKey"), Some("cookie"), Some(n)) => Credential::Cookie(n.to_string()),
        (Some("apiKey"), _, Some(n)) => Credential::Header(n.to_ascii_lowercase()),
        _ => Credential::Header("authorization".into()),
    }
}

fn credentials(doc: &Value, security: Option<&Value>) -> Vec<Credential> {
    let Some(reqs) = security.and_then(Value::as_array) else {
        return Vec::new();
    };
    // An empty requirement means the operation may be called without credentials.
    if reqs.is_empty()
        || reqs
            .iter()
            .any(|r| r.as_object().is_some_and(Map::is_empty))
    {
        return Vec::new();
    }
    let schemes = doc.pointer("/components/securitySchemes");
    let mut out = Vec::new();
    for name in reqs
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys())
    {
        let Some(s) = schemes.and_then(|s| s.get(name)).map(|s| resolve(doc, s)) else {
            continue;
        };
        let c = placement(s);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const YAML: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers:\n  - url: 'https://api.example.com/{v}/'\n    variables: {v: {default: v2}}\npaths:\n  /pets/{id}:\n    parameters:\n      - {name: id, in: path, schema: {type: integer}}\n      - {name: verbose, in: query, schema: {type: boolean}}\n    get:\n      security: [{key: []}]\n      parameters:\n        - $ref: '#/components/parameters/Verbose'\n      responses:\n        '200': {description: ok, headers: {X-Rate: {required: true, schema: {type: integer}}}, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n        4XX: {description: bad}\n        default: {description: other}\ncomponents:\n  parameters:\n    Verbose: {name: verbose, in: query, required: true, schema: {type: string, nullable: true}}\n  schemas:\n    Pet: {type: object, properties: {id: {type: integer}}}\n  securitySchemes:\n    key: {type: apiKey, in: header, name: X-Key}\n";

    #[test]
    fn a_yaml_document_is_read_with_its_base_path_and_merged_parameters() {
        let d = Document::from_text(YAML).unwrap();
        assert_eq!(d.base_path, "/v2");
        let op = &d.operations[0];
        assert_eq!(op.label(), "GET /pets/{id}");
        assert_eq!(op.parameters.len(), 2);
        // The operation's own (referenced) `verbose` wins over the path item's.
        let verbose = op.parameters.iter().find(|p| p.name == "verbose").unwrap();
        assert!(verbose.required);
        assert_eq!(verbose.schema, json!({"type": ["string", "null"]}));
        assert_eq!(op.credentials, vec![Credential::Header("x-key".into())]);
        assert_eq!(op.responses[0].headers, vec!["x-rate".to_string()]);
        assert_eq!(
            op.responses[0].content[0].schema,
            json!({"type": "object", "properties": {"id": {"type": "integer"}}})
        );
    }

    #[test]
    fn responses_are_found_exact_then_range_then_default() {
        let d = Document::from_text(YAML).unwrap();
        let op = &d.operations[0];
        assert_eq!(op.response(200).unwrap().status, "200");
        assert_eq!(op.response(404).unwrap().status, "4XX");
        assert_eq!(op.response(500).unwrap().status, "default");
    }

    #[test]
    fn swagger_2_is_refused_with_what_to_do() {
        let e = Document::new(json!({"swagger": "2.0", "paths": {}})).unwrap_err();
        assert!(e.to_string().contains("Swagger 2.0"), "{e}");
        assert!(
            e.to_string().contains("hint: convert it to OpenAPI 3"),
            "{e}"
        );
    }

    #[test]
    fn a_document_without_paths_is_refused() {
        let e = Document::new(json!({"openapi": "3.1.0"})).unwrap_err();
        assert_eq!(e, DocumentError::NoPaths);
    }

    #[test]
    fn text_that_is_neither_json_nor_yaml_is_refused() {
        assert!(matches!(parse("{\"a\": "), Err(DocumentError::Syntax(_))));
    }

    #[test]
    fn an_empty_security_alternative_needs_no_credentials() {
        let d = Document::new(json!({"openapi": "3.1.0", "security": [{"k": []}, {}],
            "components": {"securitySchemes": {"k": {"type": "http", "scheme": "bearer"}}},
            "paths": {"/a": {"get": {"responses": {}}}, "/b": {"get": {"security": [{"k": []}], "responses": {}}}}}))
        .unwrap();
        assert!(d.operations[0].credentials.is_empty());
        assert_eq!(
            d.operations[1].credentials,
            vec![Credential::Header("authorization".into())]
        );
    }
}
