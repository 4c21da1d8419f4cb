//! `POST /costs/import`: an ad platform's cost export, pasted into the box (urlencoded) or
//! chosen as a file (`multipart/form-data`, up to [`MAX_FILE_BYTES`]); the Costs page then
//! shows what was imported and every refused row with its line and column. CSRF and the
//! marketer role are checked for both kinds of post.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::Response;
use leadline_core::Channel;
use leadline_core::costs::parse_cost_csv;
use leadline_store::costs::DEFAULT_CURRENCY;

use super::UiUser;
use super::common::{self, Errors, Fields};
use super::costs::render_page;
use crate::auth::Role;
use crate::state::AppState;

/// Largest cost file (or pasted export) accepted: an ad platform's monthly export is far
/// smaller; anything bigger is most likely the wrong file.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The route's body limit: the file, the pasted box and the other fields of one post. A
/// bigger body fails to read and is answered with the same message as a big file.
pub const MAX_BODY_BYTES: usize = 2 * MAX_FILE_BYTES + 64 * 1024;

fn too_big() -> String {
    format!(
        "The file is larger than {} MiB. Export a shorter date range, or split it, and import each part.",
        MAX_FILE_BYTES / 1024 / 1024
    )
}

/// What a post carried: its fields and the chosen file's bytes (empty when none was chosen),
/// or a message for the file field with the fields read so far.
enum Read {
    Form(Fields, Vec<u8>),
    Refused(String, Fields),
}

async fn read_multipart(user: &UiUser, req: Request) -> Result<Read, Response> {
    let mut form = match Multipart::from_request(req, &()).await {
        Ok(f) => f,
        Err(e) => {
            return Ok(Read::Refused(
                format!("The upload could not be read: {}", e.body_text()),
                Fields::new(),
            ));
        }
    };
    let mut fields = Fields::new();
    let mut file = Vec::new();
    let mut refused = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                if name == "file" {
                    match field.bytes().await {
                        Ok(b) if b.len() > MAX_FILE_BYTES => refused = Some(too_big()),
                        Ok(b) => file = b.to_vec(),
                        Err(_) => {
                            refused = Some(too_big());
                            break;
                        }
                    }
                } else if let Ok(v) = field.text().await {
                    fields.insert(name, v);
                }
            }
            Ok(None) => break,
            Err(_) => {
                refused = Some(too_big());
                break;
            }
        }
    }
    // The token is checked before anything is said about the file: a forged post learns
    // nothing and changes nothing.
    user.check_csrf(fields.get("csrf").map(String::as_str))?;
    Ok(match refused {
        Some(m) => Read::Refused(m, fields),
        None => Read::Form(fields, file),
    })
}

async fn read(user: &UiUser, req: Request) -> Result<Read, Response> {
    user.require(Role::Marketer)?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        return read_multipart(user, req).await;
    }
    match axum::body::Bytes::from_request(req, &()).await {
        Ok(body) => common::posted(user, Role::Marketer, &body).map(|f| Read::Form(f, Vec::new())),
        // Too big to read whole: no token to check, and nothing is written.
        Err(_) => Ok(Read::Refused(too_big(), Fields::new())),
    }
}

/// The export's text: the file when one was chosen, else the pasted box; a message for the
/// field at fault otherwise.
fn export_text(f: &Fields, file: Vec<u8>) -> Result<String, (&'static str, String)> {
    if !file.is_empty() {
        return String::from_utf8(file).map_err(|e| {
            (
                "file",
                format!(
                    "The file is not UTF-8 text (bad byte at offset {}); save it as CSV UTF-8 and try again.",
                    e.utf8_error().valid_up_to()
                ),
            )
        });
    }
    let csv = f.get("csv").cloned().unwrap_or_default();
    if csv.trim().is_empty() {
        return Err((
            "csv",
            "Paste the export, or choose its file: a header date,campaign,cost and its rows."
                .into(),
        ));
    }
    if csv.len() > MAX_FILE_BYTES {
        return Err(("csv", too_big()));
    }
    Ok(csv)
}

/// `POST /costs/import` (marketer+): a pasted or uploaded ad-platform export.
pub async fn import(State(st): State<AppState>, user: UiUser, req: Request) -> Response {
    let (f, file) = match read(&user, req).await {
        Ok(Read::Form(f, file)) => (f, file),
        Ok(Read::Refused(message, f)) => {
            let errors = Errors::from([("file".to_owned(), message)]);
            return render_page(&st, &user, &Fields::new(), &f, &errors, None).await;
        }
        Err(r) => return r,
    };
    let csv = match export_text(&f, file) {
        Ok(c) => c,
        Err((field, message)) => {
            let errors = Errors::from([(field.to_owned(), message)]);
            return render_page(&st, &user, &Fields::new(), &f, &errors, None).await;
        }
    };
    let create = common::field(&f, "create_campaigns").and_then(|c| Channel::parse(&c));
    let parsed = parse_cost_csv(&csv, DEFAULT_CURRENCY);
    match st
        .store
        .import_costs(
            &parsed.rows,
            parsed.errors,
            create,
            Some(&user.user.id),
            leadline_store::now_ms(),
        )
        .await
    {
        Ok(report) => {
            let none = Fields::new();
            render_page(&st, &user, &none, &none, &Errors::new(), Some(&report)).await
        }
        Err(e) => common::store_error(e),
    }
}
