//! The server-rendered web UI: auto-escaping templates, session sign-in, CSRF tokens on
//! every form post, roles checked on every route.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::AppState;

mod leads;
mod session;

pub use session::UiUser;

/// Every template, embedded in the binary. Names ending in `.html` are HTML-escaped,
/// `.js` names JSON-escaped, by minijinja's default rules.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("leads.html", include_str!("../../templates/leads.html")),
    ("lead.html", include_str!("../../templates/lead.html")),
    ("form.html", include_str!("../../templates/form.html")),
    (
        "form_thanks.html",
        include_str!("../../templates/form_thanks.html"),
    ),
    ("embed.js", include_str!("../../templates/embed.js")),
];

/// The template environment.
pub fn templates() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, src) in TEMPLATES {
        if let Err(e) = env.add_template(name, src) {
            panic!("template {name} does not parse: {e}");
        }
    }
    env.add_filter("time", |ms: i64| {
        leadline_core::time::rfc3339(ms)
            .replace('T', " ")
            .chars()
            .take(16)
            .collect::<String>()
    });
    env.add_filter("rfctime", |s: String| {
        s.replace('T', " ").chars().take(16).collect::<String>()
    });
    env
}

/// Renders a template to an HTML response (500 with a logged cause if it fails).
pub fn render(st: &AppState, name: &str, ctx: minijinja::Value) -> Response {
    match st.templates.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(
                    "<p>Something went wrong rendering this page; it has been logged.</p>"
                        .to_owned(),
                ),
            )
                .into_response()
        }
    }
}

/// The UI routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/leads") }),
        )
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/leads", get(leads::list))
        .route("/leads/{id}", get(leads::detail))
        .route(
            "/static/app.css",
            get(|| async {
                (
                    [
                        ("content-type", "text/css; charset=utf-8"),
                        ("cache-control", "public, max-age=3600"),
                    ],
                    include_str!("../../static/app.css"),
                )
            }),
        )
}
