//! FusionAuth's OpenAPI file as a contract: every JSON body mcp-fa sends and every JSON body the
//! stand-in answers must use only property names (and enum values) that the file declares for
//! that operation's schema, so a misspelled field such as `authorizedRedirectUrls` fails a test
//! instead of being silently ignored by FusionAuth.
//!
//! The file is FusionAuth's, not ours: `<repo>/../shared/reference/fusionauth-openapi-1.69.0.yaml`.
//! CI always has it; elsewhere, when it is missing, [`Spec::load`] prints why and the caller skips
//! (under `CI=true` a missing file is a failure).
//!
//! Where the file is known to disagree with what FusionAuth really sends, the disagreement is
//! corrected here, once, in [`apply_corrections`] and [`SUPPLEMENTS`], each with its reason; the
//! checker itself never looks the other way.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

pub const SPEC_FILE: &str = "fusionauth-openapi-1.69.0.yaml";

/// Where the spec lives: beside the repository, in `shared/reference/` (CI clones the repository
/// into a folder next to `shared/`).
pub fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("reference")
        .join(SPEC_FILE)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        !v.is_empty() && v != "0" && v != "false" && v != "no"
    })
}

/// Pages served to browsers, not JSON API operations: FusionAuth's OpenAPI file has no entry for
/// them, and their bodies (HTML, and the browser's form posts) are not part of the contract.
pub const HTML_ENDPOINTS: &[&str] = &["/oauth2/authorize", "/oauth2/consent"];

/// OAuth endpoints that take `application/x-www-form-urlencoded` parameters. FusionAuth's file
/// declares no `requestBody` for them at all (its generator does not model form parameters), so
/// their request bodies cannot be checked against it; their JSON answers are checked.
pub const FORM_ENDPOINTS: &[&str] = &["/oauth2/token", "/oauth2/introspect"];

/// One operation added to the file (see [`SUPPLEMENTS`]).
pub struct Supplement {
    pub method: &'static str,
    pub path: &'static str,
    /// The operationId we give it.
    pub id: &'static str,
    /// The schema of its 200 answer, from the file.
    pub ok_schema: &'static str,
    /// The schema of its error answers, when it has one.
    pub error_schema: Option<&'static str>,
    pub why: &'static str,
}

/// Operations FusionAuth serves, and mcp-fa uses, that its OpenAPI file leaves out. Each is added
/// to the parsed document only when the file lacks it, answering with the schema the file itself
/// defines for that API, so the bodies are still checked against FusionAuth's own schemas.
pub const SUPPLEMENTS: &[Supplement] = &[
    Supplement {
        method: "get",
        path: "/api/tenant",
        id: "retrieveTenants",
        ok_schema: "TenantResponse",
        error_schema: Some("Errors"),
        why: "FusionAuth's own clients call it (retrieveTenants: GET /api/tenant, answering \
         TenantResponse.tenants); the file only has POST /api/tenant",
    },
    Supplement {
        method: "get",
        path: "/api/reactor",
        id: "retrieveReactorStatus",
        ok_schema: "ReactorResponse",
        error_schema: None,
        why: "FusionAuth's own clients call it (retrieveReactorStatus: GET /api/reactor, answering \
         ReactorResponse); the file defines ReactorResponse but only has POST /api/reactor",
    },
    Supplement {
        method: "get",
        path: "/api/system/login-record/search",
        id: "searchLoginRecordsWithGet",
        ok_schema: "LoginRecordSearchResponse",
        error_schema: Some("Errors"),
        why: "FusionAuth's Login Record API docs describe the search by query parameters \
         (GET, see shared/reference/FUSIONAUTH.md); the file only has the POST form",
    },
];

/// The parsed spec (corrected and supplemented). Cheap to copy.
#[derive(Clone, Copy)]
pub struct Spec {
    doc: &'static Value,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("version", &self.doc["info"]["version"])
            .finish_non_exhaustive()
    }
}

static LOADED: OnceLock<Value> = OnceLock::new();

impl Spec {
    /// FusionAuth's spec, parsed once per test process. `None` (after printing why) when the file
    /// is absent outside CI; panics when it is absent under CI or cannot be parsed.
    pub fn load() -> Option<Spec> {
        let path = spec_path();
        if !path.is_file() {
            if in_ci() {
                panic!(
                    "{} not found: CI must provide FusionAuth's OpenAPI file in shared/reference/",
                    path.display()
                );
            }
            // Written past the test harness's capture, so the skip is visible in a normal run.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "skipping: {} not found", path.display());
            return None;
        }
        let doc = LOADED.get_or_init(|| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let mut doc: Value = yaml_serde::from_str(&text)
                .unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
            apply_corrections(&mut doc);
            add_supplements(&mut doc);
            doc
        });
        Some(Spec { doc })
    }

    /// A spec from an in-memory document (as is: no corrections), for testing the walker itself.
    pub fn from_document(doc: Value) -> Spec {
        Spec {
            doc: Box::leak(Box::new(doc)),
        }
    }

    /// A named schema, `#/components/schemas/<name>`.
    pub fn schema(&self, name: &str) -> Option<&'static Value> {
        self.doc["components"]["schemas"].get(name)
    }

    /// The operation for `method` at `route_or_path`: an axum route template
    /// (`/api/application/{id}`) or a concrete path (`/api/application/3c1…`, query ignored).
    ///
    /// Paths are compared segment by segment. A spec parameter (`{applicationId}`) matches any
    /// segment; a route parameter (`{id}`) matches only a spec parameter, never a literal (axum
    /// would have routed a literal to its own route). Literal matches win, so
    /// `/api/application/search` is the search path, not `{applicationId}`; and when the
    /// best-matching path lacks `method`, there is no operation (no fallback to a worse path).
    pub fn operation(&self, method: &str, route_or_path: &str) -> Option<Operation> {
        let wanted = route_or_path.split('?').next().unwrap_or_default();
        let wanted: Vec<&str> = wanted.trim_end_matches('/').split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        let mut best: Option<(u32, &'static str, &'static Value)> = None;
        for (template, item) in paths {
            let segments: Vec<&str> = template.trim_end_matches('/').split('/').collect();
            if segments.len() != wanted.len() {
                continue;
            }
            let mut score = 0;
            let mut matched = true;
            for (spec_segment, segment) in segments.iter().zip(&wanted) {
                let spec_param = is_param(spec_segment);
                let param = is_param(segment);
                score += match (spec_param, param) {
                    (false, false) if spec_segment == segment => 3,
                    (true, true) => 2,
                    (true, false) => 1,
                    _ => {
                        matched = false;
                        break;
                    }
                };
            }
            if matched && best.is_none_or(|(s, _, _)| score > s) {
                best = Some((score, template.as_str(), item));
            }
        }
        let (_, template, item) = best?;
        let method = method.to_ascii_lowercase();
        let node = item.get(&method)?;
        Some(Operation {
            method: method.to_ascii_uppercase(),
            path: template.to_string(),
            id: node["operationId"]
                .as_str()
                .unwrap_or("(no operationId)")
                .to_string(),
            supplement: node["x-mcp-fa-supplement"].as_str(),
            node,
            spec: *self,
        })
    }

    /// Checks `body` against the named schema (used by the walker's self-tests).
    pub fn check_schema(&self, schema: &str, body: &Value) -> Vec<Violation> {
        let mut walker = Walker {
            spec: *self,
            operation: format!("schema {schema}"),
            direction: "body".to_string(),
            out: Vec::new(),
        };
        let root = self
            .schema(schema)
            .unwrap_or_else(|| panic!("the spec has no schema {schema}"));
        walker.walk(root, body, "", schema);
        walker.out
    }
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// One operation of the spec (or of [`SUPPLEMENTS`]).
#[derive(Clone, Debug)]
pub struct Operation {
    /// Upper case: `POST`.
    pub method: String,
    /// The spec's path template: `/api/application/{applicationId}`.
    pub path: String,
    pub id: String,
    /// Why this operation is not from FusionAuth's file itself, when it is a supplement.
    pub supplement: Option<&'static str>,
    node: &'static Value,
    spec: Spec,
}

impl Operation {
    /// `POST /api/application/{applicationId} (createApplicationWithId)`.
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.id)
    }

    /// The request body schema and its media type, when the spec declares one (JSON preferred,
    /// then a form).
    pub fn request_schema(&self) -> Option<(&'static str, &'static Value)> {
        let content = self.node["requestBody"]["content"].as_object()?;
        let by_preference = |media: &(&'static String, &'static Value)| {
            if media.0 == "application/json" {
                0
            } else if media.0.contains("json") {
                1
            } else if media.0 == "application/x-www-form-urlencoded" {
                2
            } else {
                3
            }
        };
        content
            .iter()
            .filter(|media| by_preference(media) < 3)
            .min_by_key(by_preference)
            .map(|(media, c)| (media.as_str(), &c["schema"]))
    }

    /// Whether FusionAuth's file leaves this operation's (form) request body undescribed.
    pub fn request_undescribed(&self) -> bool {
        self.request_schema().is_none() && FORM_ENDPOINTS.contains(&self.path.as_str())
    }

    /// What the spec says a `status` answer carries.
    pub fn response_schema(&self, status: u16) -> ResponseSchema {
        let responses = &self.node["responses"];
        let declared = responses
            .get(status.to_string())
            .or_else(|| responses.get(format!("{}XX", status / 100)))
            .or_else(|| responses.get("default"));
        if let Some(schema) = declared.and_then(json_schema_of) {
            return ResponseSchema::Schema(schema);
        }
        if status >= 400 {
            // The generator leaves many `default` (error) responses without content, but every
            // FusionAuth API answers errors with the same document: `Errors` for `/api`,
            // `OAuthError` for the OAuth endpoints.
            let fallback: &'static Value = if self.path.starts_with("/oauth2/") {
                &OAUTH_ERROR_REF
            } else {
                &ERRORS_REF
            };
            return ResponseSchema::Schema(fallback);
        }
        match declared {
            Some(_) => ResponseSchema::NoBody,
            None => ResponseSchema::Undeclared,
        }
    }
}

static ERRORS_REF: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| json!({"$ref": "#/components/schemas/Errors"}));
static OAUTH_ERROR_REF: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| json!({"$ref": "#/components/schemas/OAuthError"}));

fn json_schema_of(response: &'static Value) -> Option<&'static Value> {
    let content = response["content"].as_object()?;
    content
        .get("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(m, _)| m.contains("json"))
                .map(|(_, c)| c)
        })
        .map(|c| &c["schema"])
        .filter(|s| !s.is_null())
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// What a response of some status is declared to carry.
#[derive(Clone, Copy, Debug)]
pub enum ResponseSchema {
    Schema(&'static Value),
    /// The status is declared, without content: any body is a violation.
    NoBody,
    /// Neither the status nor `default` is declared.
    Undeclared,
}

/// One way a body departs from the spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// `POST /api/application/{applicationId} (createApplicationWithId)`.
    pub operation: String,
    /// `request` or `response 200`.
    pub direction: String,
    /// Dotted JSON path, arrays as `[i]`: `application.oauthConfiguration.authorizedRedirectUrls`.
    /// Empty for the body itself.
    pub path: String,
    /// The schema that was expected to declare it: `OAuth2Configuration`.
    pub schema: String,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The object's schema declares no property of that name.
    UndeclaredProperty,
    /// The schema describes an object with properties; the value is not an object.
    NotAnObject,
    /// The schema describes an array; the value is not an array.
    NotAnArray,
    /// A string outside the schema's `enum`.
    NotInEnum { value: String },
    /// A body where the spec declares none for this operation and direction.
    UndeclaredBody,
    /// The route has no operation in the spec: an endpoint FusionAuth does not have.
    NoOperation,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "<body>"
        } else {
            &self.path
        };
        let problem = match &self.problem {
            Problem::UndeclaredProperty => format!("`{path}` is not a property of {}", self.schema),
            Problem::NotAnObject => format!("`{path}` should be an object ({})", self.schema),
            Problem::NotAnArray => format!("`{path}` should be an array ({})", self.schema),
            Problem::NotInEnum { value } => {
                format!("`{path}` = {value:?} is not a value of {}", self.schema)
            }
            Problem::UndeclaredBody => "the spec declares no body here".to_string(),
            Problem::NoOperation => format!("`{path}`: FusionAuth's spec has no such operation"),
        };
        write!(f, "{} {}: {problem}", self.operation, self.direction)
    }
}

/// Checks a request body against the operation's `requestBody` schema.
pub fn check_request(op: &Operation, body: &Value) -> Vec<Violation> {
    let mut walker = Walker::new(op, "request".to_string());
    match op.request_schema() {
        Some((_, schema)) => walker.walk(schema, body, "", &op.id),
        None if op.request_undescribed() => {}
        None => walker.violation("", &op.id, Problem::UndeclaredBody),
    }
    walker.out
}

/// Checks a response body against the schema declared for `status` (or `default`).
pub fn check_response(op: &Operation, status: u16, body: &Value) -> Vec<Violation> {
    let mut walker = Walker::new(op, format!("response {status}"));
    match op.response_schema(status) {
        ResponseSchema::Schema(schema) => walker.walk(schema, body, "", &op.id),
        ResponseSchema::NoBody | ResponseSchema::Undeclared => {
            walker.violation("", &op.id, Problem::UndeclaredBody)
        }
    }
    walker.out
}

/// A violation for an exchange whose route FusionAuth's spec does not have.
pub fn no_operation(method: &str, path: &str) -> Violation {
    Violation {
        operation: format!("{method} {path}"),
        direction: "request".to_string(),
        path: path.to_string(),
        schema: "-".to_string(),
        problem: Problem::NoOperation,
    }
}

struct Walker {
    spec: Spec,
    operation: String,
    direction: String,
    out: Vec<Violation>,
}

/// How an object schema treats keys it does not list.
enum Additional {
    Forbidden,
    Any,
    Schema(&'static Value),
}

impl Walker {
    fn new(op: &Operation, direction: String) -> Walker {
        Walker {
            spec: op.spec,
            operation: op.label(),
            direction,
            out: Vec::new(),
        }
    }

    fn violation(&mut self, path: &str, schema: &str, problem: Problem) {
        self.out.push(Violation {
            operation: self.operation.clone(),
            direction: self.direction.clone(),
            path: path.to_string(),
            schema: schema.to_string(),
            problem,
        });
    }

    /// Follows `$ref`s: the schema they lead to, named after the last one.
    fn resolve(&self, mut schema: &'static Value, mut name: String) -> (&'static Value, String) {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(target) = reference.strip_prefix("#/components/schemas/") else {
                panic!("unsupported $ref {reference:?} (only #/components/schemas/* is used)");
            };
            schema = self
                .spec
                .schema(target)
                .unwrap_or_else(|| panic!("$ref to missing schema {reference:?}"));
            name = target.to_string();
        }
        (schema, name)
    }

    fn walk(&mut self, schema: &'static Value, value: &Value, path: &str, name: &str) {
        let (schema, name) = self.resolve(schema, name.to_string());
        // Jackson treats `null` as absent; FusionAuth omits nulls itself.
        if value.is_null() || !schema.is_object() {
            return;
        }

        for keyword in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(keyword).and_then(Value::as_array) {
                // Valid when any branch accepts the value; otherwise report the closest branch.
                let mut closest: Option<Vec<Violation>> = None;
                for branch in branches {
                    let mut sub = Walker {
                        spec: self.spec,
                        operation: self.operation.clone(),
                        direction: self.direction.clone(),
                        out: Vec::new(),
                    };
                    sub.walk(branch, value, path, &name);
                    if sub.out.is_empty() {
                        return;
                    }
                    if closest.as_ref().is_none_or(|c| sub.out.len() < c.len()) {
                        closest = Some(sub.out);
                    }
                }
                self.out.extend(closest.unwrap_or_default());
                return;
            }
        }

        let kind = schema.get("type").and_then(Value::as_str);
        if kind == Some("array") || schema.get("items").is_some() {
            let Some(items) = value.as_array() else {
                self.violation(path, &name, Problem::NotAnArray);
                return;
            };
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item_schema, item, &format!("{path}[{i}]"), &name);
                }
            }
            return;
        }

        if kind == Some("object")
            || schema.get("properties").is_some()
            || schema.get("allOf").is_some()
            || schema.get("additionalProperties").is_some()
        {
            self.walk_object(schema, value, path, &name);
            return;
        }

        if let (Some(allowed), Some(text)) =
            (schema.get("enum").and_then(Value::as_array), value.as_str())
            && !allowed.iter().any(|a| a.as_str() == Some(text))
        {
            self.violation(
                path,
                &name,
                Problem::NotInEnum {
                    value: text.to_string(),
                },
            );
        }
        // Other scalars: the contract is about names (and enum spellings), not number formats.
    }

    fn walk_object(&mut self, schema: &'static Value, value: &Value, path: &str, name: &str) {
        // `allOf`: the union of every branch's properties (the spec does not use it today).
        let mut properties: Vec<(&'static str, &'static Value, String)> = Vec::new();
        let mut additional = Additional::Forbidden;
        let mut has_additional = false;
        self.collect(
            schema,
            name,
            &mut properties,
            &mut additional,
            &mut has_additional,
        );

        if properties.is_empty() && !has_additional {
            // Free-form. FusionAuth's generator emits `type: object` with no (or empty)
            // `properties` for map-like bodies it cannot describe (StatusResponse,
            // IntrospectResponse, UserinfoResponse, `JWT.aud`, `data` values): anything goes.
            return;
        }
        let Some(object) = value.as_object() else {
            self.violation(path, name, Problem::NotAnObject);
            return;
        };
        for (key, child) in object {
            let child_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if let Some((_, child_schema, owner)) = properties.iter().find(|(k, _, _)| k == key) {
                let inline_name = format!("{owner}.{key}");
                let child_name = if child_schema.get("$ref").is_some() {
                    owner.clone()
                } else {
                    inline_name
                };
                self.walk(child_schema, child, &child_path, &child_name);
                continue;
            }
            match additional {
                Additional::Any => {}
                Additional::Schema(extra) => {
                    let extra_name = format!("{name}.*");
                    self.walk(extra, child, &child_path, &extra_name);
                }
                Additional::Forbidden => {
                    self.violation(&child_path, name, Problem::UndeclaredProperty)
                }
            }
        }
    }

    fn collect(
        &self,
        schema: &'static Value,
        name: &str,
        properties: &mut Vec<(&'static str, &'static Value, String)>,
        additional: &mut Additional,
        has_additional: &mut bool,
    ) {
        let (schema, name) = self.resolve(schema, name.to_string());
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, child) in props {
                properties.push((key.as_str(), child, name.clone()));
            }
        }
        match schema.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => {
                *has_additional = true;
                *additional = Additional::Any;
            }
            Some(extra) => {
                *has_additional = true;
                let empty = extra.as_object().is_some_and(Map::is_empty);
                if empty {
                    *additional = Additional::Any;
                } else if !matches!(additional, Additional::Any) {
                    *additional = Additional::Schema(extra);
                }
            }
        }
        if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
            for branch in branches {
                self.collect(branch, &name, properties, additional, has_additional);
            }
        }
    }
}

/// Known errors in FusionAuth's file, corrected to what FusionAuth really sends.
fn apply_corrections(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];

    // 1. `Errors.fieldErrors` is shown as an array of `Error`, but FusionAuth sends an object
    //    keyed by field name, each an array of `Error`:
    //    `{"fieldErrors": {"application.name": [{"code": "[blank]application.name", "message": "…"}]}}`
    //    (FusionAuth's API docs, "Errors"; also shared/reference/FUSIONAUTH.md).
    if let Some(errors) = schemas
        .get_mut("Errors")
        .and_then(|e| e.get_mut("properties"))
        && errors.get("fieldErrors").is_some()
    {
        errors["fieldErrors"] = json!({
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Error"}
            }
        });
    }

    // 2. `JWT` lists `otherClaims` as a property, but FusionAuth's JWT class serializes that map
    //    flat (Jackson `@JsonAnyGetter`): `/api/jwt/validate` answers
    //    `{"jwt": {"aud": …, "applicationId": …, "scope": …, "tid": …, "auth_time": …}}` (FusionAuth's
    //    JWT API docs). Any claim name may therefore appear beside the declared ones.
    if let Some(jwt) = schemas.get_mut("JWT")
        && jwt["properties"].get("otherClaims").is_some()
    {
        jwt["additionalProperties"] = json!(true);
    }
}

/// Adds [`SUPPLEMENTS`] the file lacks, marked `x-mcp-fa-supplement` with their reason.
fn add_supplements(doc: &mut Value) {
    for supplement in SUPPLEMENTS {
        let paths = doc["paths"]
            .as_object_mut()
            .expect("the spec has a paths object");
        let item = paths
            .entry(supplement.path.to_string())
            .or_insert_with(|| json!({}));
        if item.get(supplement.method).is_some() {
            continue;
        }
        let reference = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        let mut responses = json!({
            "200": {"description": "Success",
                    "content": {"application/json": {"schema": reference(supplement.ok_schema)}}},
            "default": {"description": "Error"}
        });
        if let Some(error) = supplement.error_schema {
            responses["default"]["content"] =
                json!({"application/json": {"schema": reference(error)}});
        }
        item[supplement.method] = json!({
            "operationId": supplement.id,
            "x-mcp-fa-supplement": supplement.why,
            "responses": responses,
        });
    }
}
