//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the JSON API.

use axum::Json;

/// The OpenAPI document.
pub async fn spec() -> Json<serde_json::Value> {
    use utoipa::OpenApi;
    #[derive(OpenApi)]
    #[openapi(info(
        title = "Leadline API",
        description = "Leads, accounts, activities, campaigns, forms, sources, users and API keys."
    ))]
    struct Doc;
    Json(serde_json::to_value(Doc::openapi()).unwrap_or_default())
}
