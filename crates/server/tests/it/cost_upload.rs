//! The Costs page's import as a browser posts it: a chosen file (`multipart/form-data`) or
//! the pasted box, CSRF and role checked for both, a 1 MiB file limit said beside the field.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};

use crate::support::{Reply, TestApp, hidden_value, send, spawn_app};

const BOUNDARY: &str = "----leadlinetestboundary7MA4YWxk";

/// A `multipart/form-data` body of text fields and one file, as a browser writes it.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post(app: &TestApp, cookie: &str, body: Vec<u8>) -> Reply {
    send(
        app.http
            .post(app.url("/costs/import"))
            .header(COOKIE, cookie)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
}

async fn marketer(app: &TestApp) -> (String, String) {
    let cookie = app.session("mo@vendor.example", "marketer").await;
    let page = app.get_with_cookie("/costs", &cookie).await;
    let csrf = hidden_value(&page.text, "csrf").expect("the page carries the CSRF token");
    assert!(page.text.contains("enctype=\"multipart/form-data\""));
    assert!(page.text.contains("type=\"file\""));
    (cookie, csrf)
}

#[tokio::test]
async fn a_chosen_cost_file_is_imported_with_its_bad_rows_listed() {
    let app = spawn_app().await;
    let (cookie, csrf) = marketer(&app).await;
    let csv = b"date,campaign,cost\n2026-03-01,Booth,120\n2026-03-02,Booth,12.5x\n";
    let r = post(
        &app,
        &cookie,
        multipart(
            &[
                ("csrf", &csrf),
                ("csv", ""),
                ("create_campaigns", "tradeshow"),
            ],
            Some(("export.csv", csv)),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text
            .contains("1 new, 0 replaced, 1 campaigns created; 1 rows refused"),
        "{}",
        r.text
    );
    assert!(r.text.contains("expected an amount"));
    let costs = app.api_get("/api/v1/costs").await.json();
    assert_eq!(costs["items"][0]["amount_minor"], 12_000, "{costs}");

    let pasted = post(
        &app,
        &cookie,
        multipart(
            &[
                ("csrf", &csrf),
                ("csv", "date,campaign,cost\n2026-03-04,Booth,5\n"),
            ],
            Some(("", b"")),
        ),
    )
    .await;
    assert_eq!(pasted.status, StatusCode::OK, "{}", pasted.text);
    assert!(
        pasted.text.contains("1 new, 0 replaced"),
        "the box, when no file is chosen"
    );
    let urlencoded = app
        .post_form(
            "/costs/import",
            &[
                ("csrf", &csrf),
                ("csv", "date,campaign,cost\n2026-03-05,Booth,5\n"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(urlencoded.status, StatusCode::OK, "{}", urlencoded.text);
    assert!(urlencoded.text.contains("1 new, 0 replaced"));
}

#[tokio::test]
async fn a_cost_file_over_1_mib_or_not_utf8_is_refused_beside_the_field() {
    let app = spawn_app().await;
    let (cookie, csrf) = marketer(&app).await;
    let big = "date,campaign,cost\n".to_owned() + &"2026-03-01,Booth,1\n".repeat(80_000);
    assert!(big.len() > 1024 * 1024);
    let r = post(
        &app,
        &cookie,
        multipart(&[("csrf", &csrf)], Some(("big.csv", big.as_bytes()))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"e-file\""), "{}", r.text);
    assert!(r.text.contains("larger than 1 MiB"));
    let latin1 = b"date,campaign,cost\n2026-03-01,Caf\xe9,1\n";
    let r = post(
        &app,
        &cookie,
        multipart(&[("csrf", &csrf)], Some(("latin1.csv", latin1))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("not UTF-8"), "{}", r.text);
    let empty = post(
        &app,
        &cookie,
        multipart(&[("csrf", &csrf), ("csv", " ")], None),
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text.contains("id=\"e-csv\""));
    let costs = app.api_get("/api/v1/costs").await.json();
    assert_eq!(
        costs["items"].as_array().unwrap().len(),
        0,
        "nothing written"
    );
}

#[tokio::test]
async fn a_cost_file_needs_the_csrf_token_and_the_marketer_role() {
    let app = spawn_app().await;
    let (cookie, csrf) = marketer(&app).await;
    let csv: &[u8] = b"date,campaign,cost\n2026-03-01,Booth,1\n";
    let fields = [("create_campaigns", "tradeshow")];
    let forged = post(&app, &cookie, multipart(&fields, Some(("a.csv", csv)))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text);
    let wrong = post(
        &app,
        &cookie,
        multipart(&[("csrf", "guessed"), fields[0]], Some(("a.csv", csv))),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let viewer = app.session("vic@vendor.example", "viewer").await;
    let viewer_csrf = hidden_value(&app.get_with_cookie("/costs", &viewer).await.text, "csrf")
        .expect("the logout form's token");
    let r = post(
        &app,
        &viewer,
        multipart(&[("csrf", &viewer_csrf), fields[0]], Some(("a.csv", csv))),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let costs = app.api_get("/api/v1/costs").await.json();
    assert_eq!(
        costs["items"].as_array().unwrap().len(),
        0,
        "nothing written"
    );
    let ok = post(
        &app,
        &cookie,
        multipart(&[("csrf", &csrf), fields[0]], Some(("a.csv", csv))),
    )
    .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "the same post with the token: {}",
        ok.text
    );
}
