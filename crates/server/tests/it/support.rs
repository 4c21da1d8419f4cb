//! `spawn_app()`: a real server on port 0 over a fresh database, and small HTTP helpers.

use leadline_server::AppState;
use leadline_server::auth::{hash_password, new_api_key, sha256_hex};
use leadline_store::Store;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// A running server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    /// An admin API key's secret (bearer).
    pub api_key: String,
    /// The write key of a source, for the Segment endpoints.
    pub write_key: String,
    pub store: Store,
    /// A client that does not follow redirects and keeps no cookies (tests look at both).
    pub http: Client,
    _dir: tempfile::TempDir,
}

/// Starts the server (the way `leadline serve` does, on port 0) over a fresh database: an
/// SQLite file in a temporary directory, or a new PostgreSQL database under
/// `TEST_DATABASE_URL`.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let url = leadline_store::testing::fresh_database_url(dir.path()).await;
    let store = Store::open(&url).await.expect("open the test database");
    let (api_key, prefix) = new_api_key();
    store
        .create_api_key("tests", &prefix, &sha256_hex(&api_key))
        .await
        .expect("create an API key");
    let write_key = format!("wk{}", leadline_store::new_id().replace('-', ""));
    store
        .create_source("tests", &write_key)
        .await
        .expect("create a source");
    let state = AppState::new(store.clone(), false)
        .await
        .expect("build the app state");
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let served = leadline_server::serve(state, "127.0.0.1:0", move |addr| {
            let _ = tx.send(addr);
        })
        .await;
        if let Err(e) = served {
            panic!("the test server stopped: {e}");
        }
    });
    let addr = rx.await.expect("the server reports its address");
    TestApp {
        base: format!("http://{addr}"),
        api_key,
        write_key,
        store,
        http: leadline_server::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build an HTTP client"),
        _dir: dir,
    }
}

/// A response read whole: status, headers and body text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON; fails the test (showing the body) when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "expected a JSON body with {}, got {:?}: {e}",
                self.status, self.text
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header(CONTENT_TYPE.as_str()).unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(LOCATION.as_str()).unwrap_or("")
    }

    /// Every `Set-Cookie` value.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }

    /// `name=value` of the cookie `name` the response sets, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .filter_map(|c| c.split(';').next())
            .find(|kv| kv.split_once('=').is_some_and(|(k, _)| k.trim() == name))
            .map(str::to_owned)
    }

    /// Asserts the status and that the body is the JSON error shape with `code`.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert!(
            self.content_type().starts_with("application/json"),
            "errors are JSON, got {:?}: {}",
            self.content_type(),
            self.text
        );
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "body: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "an error explains itself: {body}"
        );
        body
    }

    /// Asserts a 422 `invalid_field` error (as `assert_error`) naming `field`.
    #[track_caller]
    pub fn assert_invalid_field(&self, field: &str) {
        assert_eq!(
            self.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")["error"]["field"],
            field
        );
    }
}

/// Sends a request and reads the whole response.
pub async fn send(req: RequestBuilder) -> Reply {
    let resp = req.send().await.expect("the server answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("read the response body");
    Reply {
        status,
        headers,
        text,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Reply {
        send(self.http.get(self.url(path))).await
    }

    /// `GET` with the admin API key.
    pub async fn api_get(&self, path: &str) -> Reply {
        send(self.http.get(self.url(path)).bearer_auth(&self.api_key)).await
    }

    /// `POST` JSON with the admin API key.
    pub async fn api_post(&self, path: &str, body: &Value) -> Reply {
        send(
            self.http
                .post(self.url(path))
                .bearer_auth(&self.api_key)
                .json(body),
        )
        .await
    }

    /// `PUT` JSON with the admin API key.
    pub async fn api_put(&self, path: &str, body: &Value) -> Reply {
        send(
            self.http
                .put(self.url(path))
                .bearer_auth(&self.api_key)
                .json(body),
        )
        .await
    }

    /// A Segment call with the write key as the HTTP Basic user, as the client libraries send it.
    pub async fn ingest(&self, kind: &str, body: &Value) -> Reply {
        send(
            self.http
                .post(self.url(&format!("/v1/{kind}")))
                .basic_auth(&self.write_key, Some(""))
                .json(body),
        )
        .await
    }

    /// A Segment call that must succeed.
    pub async fn ingest_ok(&self, kind: &str, body: &Value) {
        let r = self.ingest(kind, body).await;
        assert_eq!(r.status, StatusCode::OK, "/v1/{kind}: {}", r.text);
        assert_eq!(r.json(), json!({"success": true}));
        self.settle().await;
    }

    /// Waits until the acknowledged tracking events are applied (they are queued first).
    pub async fn settle(&self) {
        self.store
            .wait_for_inbox(std::time::Duration::from_secs(30))
            .await
            .expect("the inbox drains");
    }

    /// Creates a lead through the API (must answer 201) and returns it.
    pub async fn create_lead(&self, body: &Value) -> Value {
        let r = self.api_post("/api/v1/leads", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "create lead: {}", r.text);
        r.json()
    }

    /// Creates a form through the API (must answer 201) and returns it.
    pub async fn create_form(&self, body: &Value) -> Value {
        let r = self.api_post("/api/v1/forms", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "create form: {}", r.text);
        r.json()
    }

    /// The leads whose email, name or company matches `q`.
    pub async fn leads_matching(&self, q: &str) -> Vec<Value> {
        let r = self
            .api_get(&format!("/api/v1/leads?q={}", urlencode(q)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "list leads: {}", r.text);
        r.json()["items"].as_array().expect("items").clone()
    }

    /// The one lead with this email.
    pub async fn lead_by_email(&self, email: &str) -> Value {
        let found = self.leads_matching(email).await;
        assert_eq!(found.len(), 1, "one lead for {email}: {found:?}");
        found[0].clone()
    }

    /// A lead's timeline (first page, newest first).
    pub async fn timeline(&self, lead_id: &str) -> Vec<Value> {
        let r = self
            .api_get(&format!("/api/v1/leads/{lead_id}/activities?limit=500"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "timeline: {}", r.text);
        r.json()["items"].as_array().expect("items").clone()
    }

    /// Adds a user who can sign in with `password`.
    pub async fn add_user(&self, email: &str, role: &str, password: &str) {
        let hash = hash_password(password).expect("hash a password");
        self.store
            .create_user(email, "Test User", role, Some(&hash))
            .await
            .expect("create a user");
    }

    /// Signs in through the login form; returns the answer to the `POST /login`.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK, "login page: {}", page.text);
        let csrf_cookie = page
            .cookie("ll_login_csrf")
            .expect("the login page sets its CSRF cookie");
        let csrf = hidden_value(&page.text, "csrf").expect("the login form has a csrf field");
        send(
            self.http
                .post(self.url("/login"))
                .header(COOKIE, csrf_cookie)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(format!(
                    "csrf={}&email={}&password={}&next=%2Fleads",
                    urlencode(&csrf),
                    urlencode(email),
                    urlencode(password)
                )),
        )
        .await
    }

    /// Signs in (must succeed) and returns the session cookie as `name=value`.
    pub async fn session(&self, email: &str, role: &str) -> String {
        let password = "correct horse battery";
        self.add_user(email, role, password).await;
        let r = self.login(email, password).await;
        assert!(
            r.status.is_redirection(),
            "sign in: {} {}",
            r.status,
            r.text
        );
        r.cookie("ll_session").expect("a session cookie")
    }

    /// `GET` with a session cookie.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Reply {
        send(self.http.get(self.url(path)).header(COOKIE, cookie)).await
    }

    /// A urlencoded `POST`, as a browser sends a plain HTML form.
    pub async fn post_form(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = self
            .http
            .post(self.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        send(req).await
    }
}

/// The `value` of the `<input name="{name}">` in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + "value=\"".len();
    let len = tag[v..].find('"')?;
    Some(tag[v..v + len].to_owned())
}

/// Percent-encodes everything but unreserved characters.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// RFC 3339 text (or epoch milliseconds) from the API as epoch milliseconds.
#[track_caller]
pub fn epoch_ms(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().expect("integer milliseconds"),
        Value::String(s) => leadline_core::time::parse_rfc3339(s)
            .unwrap_or_else(|| panic!("{s:?} is not an RFC 3339 time")),
        other => panic!("expected a time, got {other}"),
    }
}
