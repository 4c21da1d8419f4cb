//! The *Channel rules* page (marketer+ edits, viewer reads): the ordered UTM → channel rules
//! as rows of inputs with errors beside the field at fault, and a "test a touch" box that
//! says which channel a touch would get and which rule decided.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::Channel;
use leadline_core::channel_rules::ChannelRule;
use leadline_store::channel_rules::SetRulesError;

use super::UiUser;
use super::common::{self, Errors, Fields};
use crate::api::channel_rules::{TouchInput, classify};
use crate::auth::Role;
use crate::state::AppState;

/// Blank rows offered for new rules.
const SPARE_ROWS: usize = 3;
const FIELDS: [&str; 4] = ["utm_medium", "utm_source", "utm_campaign", "referrer_host"];

/// One row of the form: the four patterns and the channel.
fn rows_of(rules: &[ChannelRule]) -> Vec<[String; 5]> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut rows: Vec<[String; 5]> = rules
        .iter()
        .map(|r| {
            [
                s(&r.utm_medium),
                s(&r.utm_source),
                s(&r.utm_campaign),
                s(&r.referrer_host),
                r.channel.as_str().to_owned(),
            ]
        })
        .collect();
    rows.extend(std::iter::repeat_n(Default::default(), SPARE_ROWS));
    rows
}

/// `GET /channel-rules` (viewer+): `?utm_medium=&utm_source=&utm_campaign=&referrer=` tests a touch.
pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let rows = rows_of(st.store.channel_rules().rules());
    render(&st, &user, &q, rows, &Errors::new())
}

fn render(
    st: &AppState,
    user: &UiUser,
    q: &Fields,
    rows: Vec<[String; 5]>,
    errors: &Errors,
) -> Response {
    let touch = TouchInput {
        utm_medium: common::field(q, "utm_medium"),
        utm_source: common::field(q, "utm_source"),
        utm_campaign: common::field(q, "utm_campaign"),
        referrer: common::field(q, "referrer"),
    };
    let tested = ["utm_medium", "utm_source", "utm_campaign", "referrer"]
        .iter()
        .any(|k| q.contains_key(*k));
    let result = tested.then(|| classify(st, &touch));
    let ctx = minijinja::context! {
        user => user.context(), page => "costs", rows => rows, errors => errors,
        channels => Channel::ALL.map(|c| c.as_str()), q => q,
        result => result.map(|r| minijinja::Value::from(minijinja::value::Serde(r))),
    };
    super::render_form(st, "channel_rules.html", ctx, errors)
}

/// `POST /channel-rules` (marketer+): saves the rows in order; blank rows are dropped.
pub async fn save(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut rows = Vec::new();
    let mut errors = Errors::new();
    let mut rules = Vec::new();
    for i in 0..=crate::api::channel_rules::MAX_FORM_ROWS {
        let get = |k: &str| common::field(&f, &format!("{k}_{i}"));
        if !f.contains_key(&format!("channel_{i}")) {
            break;
        }
        let row = [
            get("utm_medium"),
            get("utm_source"),
            get("utm_campaign"),
            get("referrer_host"),
            get("channel"),
        ];
        if row.iter().all(Option::is_none) {
            continue;
        }
        let at = rows.len();
        rows.push(row.clone().map(Option::unwrap_or_default));
        let channel = row[4].as_deref().and_then(Channel::parse);
        if channel.is_none() {
            errors.insert(
                format!("channel_{at}"),
                "Choose the channel these touches belong to.".into(),
            );
        }
        rules.push(ChannelRule {
            utm_medium: row[0].clone(),
            utm_source: row[1].clone(),
            utm_campaign: row[2].clone(),
            referrer_host: row[3].clone(),
            channel: channel.unwrap_or(Channel::Direct),
        });
    }
    if errors.is_empty() {
        match st.store.set_channel_rules(rules).await {
            Ok(()) => return Redirect::to("/channel-rules?saved=1").into_response(),
            Err(SetRulesError::Invalid(es)) => {
                for e in es {
                    let field = if FIELDS.contains(&e.field.as_str()) {
                        e.field.as_str()
                    } else {
                        "utm_medium"
                    };
                    errors.insert(format!("{field}_{}", e.index), capitalise(&e.message));
                }
            }
            Err(SetRulesError::Store(e)) => return common::store_error(e),
        }
    }
    rows.extend(std::iter::repeat_n(Default::default(), SPARE_ROWS));
    render(&st, &user, &Fields::new(), rows, &errors)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
