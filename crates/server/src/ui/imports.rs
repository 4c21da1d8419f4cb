//! The import page: upload a CSV, watch it land, download the report of refused rows.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use leadline_core::import::list_name_from_file;
use minijinja::value::Serde;

use super::UiUser;
use crate::auth::Role;
use crate::state::AppState;
use crate::worker::ImportRequest;

/// Largest upload accepted by the import page.
pub const MAX_UPLOAD_BYTES: usize = 200 * 1024 * 1024;

pub async fn list(State(st): State<AppState>, user: UiUser) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    match st.store.list_imports(50).await {
        Ok(imports) => page(&st, &user, &imports, None),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

fn page(
    st: &AppState,
    user: &UiUser,
    imports: &[leadline_store::imports::ImportRecord],
    error: Option<&str>,
) -> Response {
    let ctx = minijinja::context! {
        user => user.context(), page => "imports", imports => Serde(imports), error => error,
        channels => leadline_core::Channel::ALL.map(|c| c.as_str()), max_mb => MAX_UPLOAD_BYTES / 1024 / 1024,
    };
    let mut resp = super::render(st, "imports.html", ctx);
    if error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

pub async fn upload(State(st): State<AppState>, user: UiUser, mut form: Multipart) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let mut fields = std::collections::BTreeMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                if name == "file" {
                    let filename = field.file_name().unwrap_or("upload.csv").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((filename, b.to_vec())),
                        Err(e) => return bad(&st, &user, &format!("The upload did not arrive whole ({e}); files up to {} MB are accepted.", MAX_UPLOAD_BYTES / 1024 / 1024)).await,
                    }
                } else if let Ok(v) = field.text().await {
                    fields.insert(name, v);
                }
            }
            Ok(None) => break,
            Err(e) => return bad(&st, &user, &format!("The upload could not be read: {e}")).await,
        }
    }
    if let Err(r) = user.check_csrf(fields.get("csrf").map(String::as_str)) {
        return r;
    }
    let Some((filename, data)) = file.filter(|(_, d)| !d.is_empty()) else {
        return bad(&st, &user, "Choose a CSV file to import.").await;
    };
    let get = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let request = ImportRequest {
        list_name: list_name_from_file(&filename),
        campaign: get("campaign"),
        channel: get("channel"),
        on_duplicate: get("on_duplicate"),
        key: get("key"),
        preset: get("preset"),
        map: get("map")
            .map(|m| {
                m.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let options = serde_json::to_value(&request).unwrap_or_default();
    match st
        .store
        .create_import(&filename, &options, data, Some(&user.user.id))
        .await
    {
        Ok(id) => {
            st.jobs_waiting.notify_one();
            Redirect::to(&format!("/imports/{id}")).into_response()
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn bad(st: &AppState, user: &UiUser, message: &str) -> Response {
    let imports = st.store.list_imports(50).await.unwrap_or_default();
    page(st, user, &imports, Some(message))
}

pub async fn detail(State(st): State<AppState>, user: UiUser, Path(id): Path<String>) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let Ok(import) = st.store.get_import(&id).await else {
        return (
            StatusCode::NOT_FOUND,
            Html("<p>No such import.</p>".to_owned()),
        )
            .into_response();
    };
    let running = matches!(import.status.as_str(), "queued" | "running");
    let ctx = minijinja::context! { user => user.context(), page => "imports", import => Serde(&import), running => running };
    super::render(&st, "import.html", ctx)
}

/// The refused rows as CSV; cells are neutralised against spreadsheet formula injection.
pub async fn errors_csv(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let Ok(import) = st.store.get_import(&id).await else {
        return (
            StatusCode::NOT_FOUND,
            Html("<p>No such import.</p>".to_owned()),
        )
            .into_response();
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let safe = leadline_core::export::csv_safe;
    let _ = w.write_record(["line", "column", "code", "reason"]);
    for e in &import.errors {
        let line = e.line.to_string();
        let column = e.column.clone().unwrap_or_default();
        let _ = w.write_record([
            safe(&line).as_bytes(),
            safe(&column).as_bytes(),
            safe(&e.code).as_bytes(),
            safe(&e.reason).as_bytes(),
        ]);
    }
    let body = w.into_inner().unwrap_or_default();
    let disposition = format!("attachment; filename=\"import-{id}-errors.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
