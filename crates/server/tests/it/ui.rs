//! The web UI and its security: sign-in, session cookies, CSRF, roles, HTML escaping.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{hidden_value, spawn_app};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn the_leads_page_without_a_session_redirects_to_login() {
    let app = spawn_app().await;
    let r = app.get("/leads").await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    let r = app.get_with_cookie("/leads", "ll_session=forged").await;
    assert!(
        r.status.is_redirection(),
        "a made-up session is no session: {}",
        r.status
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_401_page_and_sets_no_session() {
    let app = spawn_app().await;
    app.add_user("ann@acme.com", "admin", PASSWORD).await;
    let r = app.login("ann@acme.com", "wrong password!").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.content_type()
    );
    assert!(r.cookie("ll_session").is_none(), "{:?}", r.set_cookies());
    let r = app.login("nobody@acme.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "an unknown user too");
    assert!(r.cookie("ll_session").is_none(), "{:?}", r.set_cookies());
}

#[tokio::test]
async fn the_right_password_sets_an_http_only_same_site_lax_session_cookie() {
    let app = spawn_app().await;
    app.add_user("ann@acme.com", "admin", PASSWORD).await;
    let r = app.login("ann@acme.com", PASSWORD).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    assert_eq!(r.location(), "/leads");
    let set = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("ll_session="))
        .expect("a session cookie")
        .to_owned();
    let attrs: Vec<String> = set
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.iter().any(|a| a == "httponly"), "{set}");
    assert!(attrs.iter().any(|a| a == "samesite=lax"), "{set}");
    let cookie = r.cookie("ll_session").unwrap();
    let page = app.get_with_cookie("/leads", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
}

#[tokio::test]
async fn logout_without_the_csrf_token_is_a_403_and_with_it_ends_the_session() {
    let app = spawn_app().await;
    let cookie = app.session("ann@acme.com", "admin").await;
    let r = app.post_form("/logout", &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .post_form("/logout", &[("csrf", "guessed")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let page = app.get_with_cookie("/leads", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "still signed in");

    let csrf = hidden_value(&page.text, "csrf").expect("the page carries the CSRF token");
    let r = app
        .post_form("/logout", &[("csrf", &csrf)], Some(&cookie))
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let r = app.get_with_cookie("/leads", &cookie).await;
    assert!(r.status.is_redirection(), "signed out: {}", r.status);
}

#[tokio::test]
async fn a_viewer_session_reads_the_api_but_cannot_use_admin_routes() {
    let app = spawn_app().await;
    let cookie = app.session("vic@acme.com", "viewer").await;
    let r = app.get_with_cookie("/api/v1/leads", &cookie).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "sessions work on /api/v1: {}",
        r.text
    );
    for path in ["/api/v1/api_keys", "/api/v1/users", "/api/v1/sources"] {
        app.get_with_cookie(path, &cookie)
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
    }
    let r = crate::support::send(
        app.http
            .post(app.url("/api/v1/api_keys"))
            .header(reqwest::header::COOKIE, &cookie)
            .json(&json!({"name": "sneaky"})),
    )
    .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let keys = app.api_get("/api/v1/api_keys").await.json();
    assert_eq!(
        keys["items"].as_array().unwrap().len(),
        1,
        "no key was made: {keys}"
    );
    // An admin session may.
    let admin = app.session("ann@acme.com", "admin").await;
    let r = app.get_with_cookie("/api/v1/api_keys", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn a_script_in_a_first_name_is_escaped_on_the_lead_pages() {
    let app = spawn_app().await;
    let script = "<script>alert(1)</script>";
    let lead = app
        .create_lead(
            &json!({"email": "xss@acme.com", "first_name": script, "company": "<b>Bold</b>"}),
        )
        .await;
    let cookie = app.session("ann@acme.com", "viewer").await;
    let id = lead["id"].as_str().unwrap();
    for path in ["/leads".to_owned(), format!("/leads/{id}")] {
        let r = app.get_with_cookie(&path, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(r.text.contains("xss@acme.com"), "{path} shows the lead");
        assert!(!r.text.contains(script), "{path} renders the script raw");
        assert!(!r.text.contains("<b>Bold</b>"), "{path} renders markup raw");
        assert!(
            r.text
                .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
                || r.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path} shows the name escaped: {}",
            r.text
        );
    }
}

/// Everything the server's crates log, at every level, from every test of this binary.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        // Not hyper or reqwest: the test's own client shares them.
        let filter = tracing_subscriber::EnvFilter::new(
            "leadline_server=trace,leadline_store=trace,leadline_core=trace,tower_http=trace,axum=trace,sqlx=trace",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        buf
    })
    .clone()
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_email_address_or_name_reaches_the_server_logs() {
    let logs = captured_logs();
    let app = spawn_app().await;
    let tag = leadline_store::new_id().replace('-', "");
    let (email, name) = (format!("canary{tag}@acme.com"), format!("Canaryname{tag}"));
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-log", "traits": {"email": email, "firstName": name}}),
    )
    .await;
    app.ingest_ok(
        "track",
        &json!({"userId": "u-log", "event": "Logged", "properties": {"email": email}}),
    )
    .await;
    let lead = app.lead_by_email(&email).await;
    app.api_post("/api/v1/leads", &json!({"email": email, "last_name": name}))
        .await;
    app.create_form(
        &json!({"name": "Log form", "key": "logform", "min_seconds": 0,
        "fields": [{"name": "email", "type": "email", "required": true}, {"name": "first_name"}]}),
    )
    .await;
    app.post_form(
        "/f/logform",
        &[("email", &email), ("first_name", &name)],
        None,
    )
    .await;
    app.post_form(
        "/f/logform",
        &[("email", &format!("{email}@")), ("first_name", &name)],
        None,
    )
    .await;
    crate::support::send(
        app.http
            .post(app.url("/api/v1/forms/logform/submissions"))
            .json(&json!({"fields": [{"name": "email", "value": email}, {"name": "firstname", "value": name}]})),
    )
    .await;
    app.add_user(&email, "admin", PASSWORD).await;
    app.login(&email, "not the password").await;
    let cookie = app
        .login(&email, PASSWORD)
        .await
        .cookie("ll_session")
        .unwrap();
    let id = lead["id"].as_str().unwrap();
    for path in [format!("/leads?q={email}"), format!("/leads/{id}")] {
        assert_eq!(
            app.get_with_cookie(&path, &cookie).await.status,
            StatusCode::OK
        );
    }
    app.api_post(
        "/api/v1/users",
        &json!({"email": email, "role": "viewer", "password": "long enough password"}),
    )
    .await;

    let text =
        String::from_utf8_lossy(&logs.lock().unwrap_or_else(|e| e.into_inner())).to_lowercase();
    assert!(text.contains("ingested"), "the logs were not captured");
    for secret in [format!("canary{tag}"), format!("canaryname{tag}")] {
        let line = text.lines().find(|l| l.contains(&secret));
        assert!(line.is_none(), "personal data in the logs: {line:?}");
    }
}
