//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the JSON API, generated from
//! the handlers' `#[utoipa::path]` attributes and the types' `ToSchema` derives.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, OpenApiVersion};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Where [`super::routes`] is mounted.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leadline API",
        description = "Leads, accounts, activities, campaigns, forms, sources, users and API keys. \
            Lists are keyset-paginated: pass a page's `next` as `after` to get the following page. \
            Errors are `{\"error\":{\"code\",\"message\",\"field\"?}}`."
    ),
    paths(crate::ingest::ingest),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "leads", description = "People, their timeline, stage changes and merges"),
        (name = "accounts", description = "Companies, grouped by registrable domain"),
        (name = "campaigns", description = "Marketing campaigns and their cost"),
        (name = "forms", description = "Form definitions and HubSpot-compatible submissions"),
        (name = "opportunities", description = "Deals from conversion to won or lost: stages, contact roles, proposal checklist, ROI estimate and its share link"),
        (name = "duplicates", description = "Likely duplicate people and accounts: review, merge with field-level survivorship, dismiss, scan"),
        (name = "assignments", description = "Who owns which lead: the rep's inbox, accept, reject, touches, next steps, referrals"),
        (name = "notifications", description = "In-app notifications of users, and reps' team leads"),
        (name = "directory", description = "Sources, users and API keys (admin only)"),
        (name = "webhooks", description = "Signed event deliveries to your endpoints: subscriptions, delivery log, redelivery, secret rotation (admin only)"),
        (name = "tracking", description = "Segment HTTP Tracking API (any Segment or RudderStack library)"),
        (name = "routing", description = "Routing rules (marketer+ to change), the test-this-lead preview, waiting leads, reps' calendars and out-of-office, the team calendar"),
        (name = "reports", description = "The follow-up report: accepted and touched in time, by rep, team, source or month; the funnel, lead quality by source and cohort comparisons"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// `bearer`: an API key (`leadline apikey create NAME`); `basic`: a source's write key as
/// the user name, for the Segment tracking endpoints.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The whole document: the `/api/v1` routes under their prefix, plus the tracking API.
pub fn document() -> Document {
    let mut doc = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .nest(PREFIX, super::documented())
        .into_openapi();
    doc.openapi = OpenApiVersion::Version31;
    doc
}

static JSON: LazyLock<String> = LazyLock::new(|| {
    serde_json::to_string(&document()).expect("an OpenAPI document always serialises")
});

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    operation_id = "get_openapi",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object))
)]
pub async fn spec() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], JSON.as_str())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use serde_json::Value;
    use tower::ServiceExt;

    fn doc() -> Value {
        serde_json::from_str(&super::JSON).expect("the document is JSON")
    }

    /// Every `(METHOD, path)` of the document.
    fn operations(doc: &Value) -> Vec<(Method, String)> {
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                ops.push((method, path.clone()));
            }
        }
        ops
    }

    #[test]
    fn the_document_is_openapi_3_1_with_both_security_schemes() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["basic"]["scheme"], "basic");
    }

    #[test]
    fn every_reference_in_the_document_resolves() {
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|v| refs(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc = doc();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for r in all {
            let pointer = r.strip_prefix('#').expect("a local reference");
            assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
        }
    }

    #[test]
    fn every_api_key_operation_asks_for_a_bearer_token_and_documents_its_errors() {
        let doc = doc();
        for (method, path) in operations(&doc) {
            let op = &doc["paths"][&path][method.as_str().to_lowercase()];
            let responses = op["responses"].as_object().expect("responses");
            for (status, r) in responses {
                if status.starts_with('4') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
            let public = path.ends_with("/submissions")
                || path.ends_with("/openapi.json")
                || !path.starts_with(super::PREFIX);
            if !public {
                assert_eq!(
                    op["security"][0]["bearer"],
                    Value::Array(vec![]),
                    "{method} {path}"
                );
                assert!(responses.contains_key("401"), "{method} {path}");
                assert!(responses.contains_key("403"), "{method} {path}");
            }
        }
    }

    /// The document and the router are built from the same `routes!` calls; this checks the
    /// result from the outside: each documented operation reaches a handler of the real app
    /// (neither the "page not found" fallback nor 405), with the same path templates.
    #[tokio::test]
    async fn every_documented_operation_is_served_by_the_app() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = leadline_store::Store::open(&url).await.expect("store");
        let app = crate::router(crate::AppState::new(store, false).await.expect("state"));
        let doc = doc();
        let ops = operations(&doc);
        for needed in ["/api/v1/leads", "/api/v1/openapi.json", "/v1/{kind}"] {
            assert!(ops.iter().any(|(_, p)| p == needed), "{needed} is missing");
        }
        for (method, path) in ops {
            let uri = path.replace("{kind}", "track").replace(['{', '}'], "");
            let req = Request::builder()
                .method(method.clone())
                .uri(&uri)
                .header("content-type", "application/json")
                .body(Body::from("{}"))
                .expect("request");
            let res = app.clone().oneshot(req).await.expect("response");
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .expect("body");
            let text = String::from_utf8_lossy(&body);
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !text.contains("page not found"),
                "{method} {path} fell through to the fallback"
            );
        }
    }
}
