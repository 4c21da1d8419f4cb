//! The server-rendered web UI: auto-escaping templates, session sign-in, CSRF tokens on
//! every form post, roles checked on every route.
// Page helpers return `Result<_, Response>` so a handler can answer early (403, 404, a form
// shown again) with `?`-like matches; boxing every response to please this lint adds noise.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::AppState;

mod accounts;
mod campaigns;
mod channel_rules;
pub mod chart;
mod common;
mod costs;
mod costs_import;
mod duplicates;
mod followup;
mod form_builder;
mod forms;
mod funnel_pages;
mod imports;
mod inbox;
mod leads;
mod measurement;
mod opportunities;
mod opportunity_parts;
mod rep_actions;
mod reps;
mod routing;
mod routing_form;
mod scoring;
mod segments;
mod session;
mod settings;
mod webhooks;

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
    ("imports.html", include_str!("../../templates/imports.html")),
    ("import.html", include_str!("../../templates/import.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("message.html", include_str!("../../templates/message.html")),
    (
        "lead_table.html",
        include_str!("../../templates/lead_table.html"),
    ),
    (
        "accounts.html",
        include_str!("../../templates/accounts.html"),
    ),
    ("account.html", include_str!("../../templates/account.html")),
    (
        "campaigns.html",
        include_str!("../../templates/campaigns.html"),
    ),
    (
        "campaign.html",
        include_str!("../../templates/campaign.html"),
    ),
    ("forms.html", include_str!("../../templates/forms.html")),
    (
        "form_edit.html",
        include_str!("../../templates/form_edit.html"),
    ),
    (
        "form_snippet.txt",
        include_str!("../../templates/form_snippet.txt"),
    ),
    (
        "settings.html",
        include_str!("../../templates/settings.html"),
    ),
    (
        "settings_key.html",
        include_str!("../../templates/settings_key.html"),
    ),
    (
        "webhooks.html",
        include_str!("../../templates/webhooks.html"),
    ),
    ("webhook.html", include_str!("../../templates/webhook.html")),
    (
        "webhook_secret.html",
        include_str!("../../templates/webhook_secret.html"),
    ),
    (
        "segments.html",
        include_str!("../../templates/segments.html"),
    ),
    ("segment.html", include_str!("../../templates/segment.html")),
    ("policy.html", include_str!("../../templates/policy.html")),
    (
        "score_report.html",
        include_str!("../../templates/score_report.html"),
    ),
    (
        "duplicates.html",
        include_str!("../../templates/duplicates.html"),
    ),
    (
        "duplicate.html",
        include_str!("../../templates/duplicate.html"),
    ),
    (
        "lead_duplicates.html",
        include_str!("../../templates/lead_duplicates.html"),
    ),
    ("routing.html", include_str!("../../templates/routing.html")),
    ("reps.html", include_str!("../../templates/reps.html")),
    ("rep.html", include_str!("../../templates/rep.html")),
    ("costs.html", include_str!("../../templates/costs.html")),
    (
        "channel_rules.html",
        include_str!("../../templates/channel_rules.html"),
    ),
    (
        "followup.html",
        include_str!("../../templates/followup.html"),
    ),
    (
        "report_controls.html",
        include_str!("../../templates/report_controls.html"),
    ),
    ("reports.html", include_str!("../../templates/reports.html")),
    ("roi.html", include_str!("../../templates/roi.html")),
    (
        "attribution.html",
        include_str!("../../templates/attribution.html"),
    ),
    ("funnel.html", include_str!("../../templates/funnel.html")),
    ("sources.html", include_str!("../../templates/sources.html")),
    ("compare.html", include_str!("../../templates/compare.html")),
    (
        "funnel_controls.html",
        include_str!("../../templates/funnel_controls.html"),
    ),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    (
        "notifications.html",
        include_str!("../../templates/notifications.html"),
    ),
    (
        "lead_assignment.html",
        include_str!("../../templates/lead_assignment.html"),
    ),
    (
        "opportunities.html",
        include_str!("../../templates/opportunities.html"),
    ),
    (
        "opportunity.html",
        include_str!("../../templates/opportunity.html"),
    ),
    (
        "roi_estimate.html",
        include_str!("../../templates/roi_estimate.html"),
    ),
    (
        "roi_public.html",
        include_str!("../../templates/roi_public.html"),
    ),
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
    env.add_filter("html_text", |s: String| common::html_text(&s));
    env.add_filter("day", |s: Option<String>| match s {
        Some(s) => s.chars().take(10).collect::<String>(),
        None => "—".to_owned(),
    });
    // Score contributions: signed, one decimal only when it matters (`+10`, `+2.5`, `-3`).
    env.add_filter("points", |p: f64| {
        let rounded = (p * 10.0).round() / 10.0;
        if rounded.fract() == 0.0 {
            format!("{rounded:+.0}")
        } else {
            format!("{rounded:+.1}")
        }
    });
    env.add_filter(
        "money",
        |minor: Option<i64>, currency: Option<String>| match minor {
            Some(m) => common::format_money(m, currency.as_deref().unwrap_or("USD")),
            None => "—".to_owned(),
        },
    );
    env
}

/// Renders a page that holds a form: `422` when the form came back with errors (shown beside
/// their fields), so a refused post never looks like a success.
pub fn render_form<E>(
    st: &AppState,
    name: &str,
    ctx: minijinja::Value,
    errors: &std::collections::BTreeMap<String, E>,
) -> Response {
    let mut resp = render(st, name, ctx);
    if !errors.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
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
        .route(
            "/imports",
            get(imports::list)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    imports::MAX_UPLOAD_BYTES,
                )),
        )
        .route("/imports/{id}", get(imports::detail))
        .route("/imports/{id}/errors.csv", get(imports::errors_csv))
        .route("/leads", get(leads::list))
        .route("/leads/{id}", get(leads::detail))
        .route("/leads/{id}/stage", post(leads::move_stage))
        .route("/leads/{id}/accept", post(rep_actions::accept))
        .route("/leads/{id}/reject", post(rep_actions::reject))
        .route("/leads/{id}/touch", post(rep_actions::touch))
        .route("/leads/{id}/next_step", post(rep_actions::next_step))
        .route("/inbox", get(inbox::page))
        .route("/inbox/referral", post(inbox::referral))
        .route("/notifications", get(inbox::notifications))
        .route("/notifications/read", post(inbox::read_all))
        .route("/notifications/{id}/read", post(inbox::read_one))
        .route("/leads/{id}/convert", post(opportunities::convert))
        .route("/opportunities", get(opportunities::list))
        .route(
            "/opportunities/{id}",
            get(opportunities::detail).post(opportunities::update),
        )
        .route("/opportunities/{id}/stage", post(opportunities::move_stage))
        .route(
            "/opportunities/{id}/contacts",
            post(opportunity_parts::add_contact),
        )
        .route(
            "/opportunities/{id}/contacts/remove",
            post(opportunity_parts::remove_contact),
        )
        .route(
            "/opportunities/{id}/notes",
            post(opportunity_parts::save_notes),
        )
        .route(
            "/opportunities/{id}/checklist",
            post(opportunity_parts::save_checklist),
        )
        .route("/opportunities/{id}/roi", post(opportunity_parts::save_roi))
        .route(
            "/opportunities/{id}/roi.csv",
            get(opportunity_parts::roi_csv),
        )
        .route("/opportunities/{id}/share", post(opportunity_parts::share))
        .route("/roi/{token}", get(opportunity_parts::public))
        .route("/segments", get(segments::list).post(segments::create))
        .route(
            "/segments/{id}",
            get(segments::detail).post(segments::update),
        )
        .route("/segments/{id}/delete", post(segments::delete))
        .route("/policy", get(scoring::policy).post(scoring::save_policy))
        .route("/policy/rescore", post(scoring::rescore))
        .route("/scoring/report", get(scoring::report))
        .route("/scoring/train", post(scoring::train))
        .route("/routing", get(routing::page))
        .route("/routing/rules", post(routing::save_rule))
        .route("/routing/rules/{index}/move", post(routing::move_rule))
        .route("/routing/rules/{index}/delete", post(routing::delete_rule))
        .route("/reps", get(reps::list))
        .route("/reps/team_calendar", post(reps::save_team))
        .route("/reps/{id}", get(reps::detail).post(reps::save))
        .route("/reports", get(measurement::overview))
        .route("/reports/attribution", get(measurement::attribution))
        .route(
            "/reports/attribution.csv",
            get(measurement::attribution_download),
        )
        .route("/reports/roi", get(measurement::roi))
        .route("/reports/roi.csv", get(measurement::roi_download))
        .route("/costs", get(costs::page).post(costs::add))
        .route("/costs.csv", get(costs::csv_download))
        .route(
            "/costs/import",
            post(costs_import::import).layer(axum::extract::DefaultBodyLimit::max(
                costs_import::MAX_BODY_BYTES,
            )),
        )
        .route("/costs/{id}/delete", post(costs::delete))
        .route("/markers", post(costs::add_marker))
        .route("/markers/{id}/delete", post(costs::delete_marker))
        .route(
            "/channel-rules",
            get(channel_rules::page).post(channel_rules::save),
        )
        .route("/reports/followup", get(followup::page))
        .route("/reports/followup.csv", get(followup::csv_download))
        .route("/reports/funnel", get(funnel_pages::funnel))
        .route(
            "/reports/funnel.csv",
            get(funnel_pages::funnel_csv_download),
        )
        .route("/reports/sources", get(funnel_pages::sources))
        .route(
            "/reports/sources.csv",
            get(funnel_pages::sources_csv_download),
        )
        .route("/reports/compare", get(funnel_pages::compare))
        .route(
            "/reports/compare.csv",
            get(funnel_pages::compare_csv_download),
        )
        .route("/accounts", get(accounts::list))
        .route("/accounts/{id}", get(accounts::detail))
        .route("/duplicates", get(duplicates::list))
        .route("/duplicates/scan", post(duplicates::scan))
        .route("/duplicates/{id}", get(duplicates::detail))
        .route("/duplicates/{id}/merge", post(duplicates::merge))
        .route("/duplicates/{id}/dismiss", post(duplicates::dismiss))
        .route("/campaigns", get(campaigns::list).post(campaigns::create))
        .route("/campaigns/{id}", get(campaigns::detail))
        .route("/campaigns/{id}/costs", post(campaigns::add_cost))
        .route("/forms", get(forms::list).post(forms::create))
        .route("/forms/new", get(forms::new_page))
        .route("/forms/{id}", get(forms::edit_page).post(forms::update))
        .route("/settings", get(settings::page))
        .route("/settings/users", post(settings::add_user))
        .route("/settings/api_keys", post(settings::create_key))
        .route("/settings/api_keys/{id}/revoke", post(settings::revoke_key))
        .route("/settings/sources", post(settings::create_source))
        .route(
            "/settings/webhooks",
            get(webhooks::page).post(webhooks::create),
        )
        .route("/settings/webhooks/{id}", get(webhooks::detail))
        .route("/settings/webhooks/{id}/{action}", post(webhooks::act))
        .route(
            "/settings/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            post(webhooks::redeliver),
        )
        .route(
            "/static/app.css",
            get(|| static_file("text/css", include_str!("../../static/app.css"))),
        )
        .route(
            "/static/charts.js",
            get(|| static_file("text/javascript", include_str!("../../static/charts.js"))),
        )
        .route(
            "/static/vendor/chart.umd.min.js",
            get(|| {
                static_file(
                    "text/javascript",
                    include_str!("../../static/vendor/chart.umd.min.js"),
                )
            }),
        )
}

/// A file compiled into the binary, cached by browsers for an hour.
async fn static_file(kind: &'static str, body: &'static str) -> Response {
    (
        [
            ("content-type", format!("{kind}; charset=utf-8")),
            ("cache-control", "public, max-age=3600".to_owned()),
        ],
        body,
    )
        .into_response()
}
