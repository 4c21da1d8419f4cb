//! Forms: the list, the builder (marketer+), and the snippets that put a form on any site.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use leadline_store::StoreError;
use leadline_store::forms::Form;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors};
use super::form_builder::{Builder, CAPTURES, FIELD_TYPES, type_name};
use crate::auth::Role;
use crate::state::AppState;

/// `GET /forms`: every live form with its key, submissions and hosted page.
pub async fn list(State(st): State<AppState>, user: UiUser, headers: HeaderMap) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let forms = match st.store.list_forms().await {
        Ok(f) => f,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "forms", forms => Value::from(Serde(&forms)),
        base => common::base_url(&headers, st.secure_cookies),
    };
    super::render(&st, "forms.html", ctx)
}

/// `GET /forms/new` (marketer+): the builder for a new form.
pub async fn new_page(State(st): State<AppState>, user: UiUser, headers: HeaderMap) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    builder_page(
        &st,
        &user,
        &headers,
        None,
        &Builder::blank(),
        &Errors::new(),
        None,
    )
    .await
}

/// `POST /forms` (marketer+): saves a new form, or shows the builder again with errors.
pub async fn create(
    State(st): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let builder = Builder::posted(&f);
    let (form, key) = match builder.form(None) {
        Ok(ok) => ok,
        Err(errors) => {
            return builder_page(&st, &user, &headers, None, &builder, &errors, None).await;
        }
    };
    let saved = st
        .store
        .create_form(&key, form.name.trim(), &form.definition)
        .await;
    match saved {
        Ok(form) => Redirect::to(&format!("/forms/{}?saved=1", form.id)).into_response(),
        Err(StoreError::Conflict(_)) => {
            let errors = Errors::from([(
                "key".to_owned(),
                "Another form already uses this key.".to_owned(),
            )]);
            builder_page(&st, &user, &headers, None, &builder, &errors, None).await
        }
        Err(e) => common::store_error(e),
    }
}

/// `GET /forms/{id}`: the builder (read-only below marketer) and the form's snippets.
pub async fn edit_page(
    State(st): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<common::Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let form = match find(&st, &user, &id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let builder = Builder::of(&form.name, &form.key, &form.definition);
    let notice = q.contains_key("saved").then_some("Saved.");
    let errors = Errors::new();
    builder_page(&st, &user, &headers, Some(&form), &builder, &errors, notice).await
}

/// `POST /forms/{id}` (marketer+): saves changes to a form (its key never changes).
pub async fn update(
    State(st): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let stored = match find(&st, &user, &id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let builder = Builder::posted(&f);
    let (form, _) = match builder.form(Some(&stored.key)) {
        Ok(ok) => ok,
        Err(errors) => {
            return builder_page(&st, &user, &headers, Some(&stored), &builder, &errors, None)
                .await;
        }
    };
    match st
        .store
        .update_form(&stored.id, form.name.trim(), &form.definition)
        .await
    {
        Ok(form) => Redirect::to(&format!("/forms/{}?saved=1", form.id)).into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "form"),
        Err(e) => common::store_error(e),
    }
}

async fn find(st: &AppState, user: &UiUser, id: &str) -> Result<Form, Response> {
    match st.store.get_form(id).await {
        Ok(f) => Ok(f),
        Err(StoreError::NotFound) => Err(common::not_found(st, user, "form")),
        Err(e) => Err(common::store_error(e)),
    }
}

/// The builder page; a stored `form` adds its snippets; errors make it a 422.
async fn builder_page(
    st: &AppState,
    user: &UiUser,
    headers: &HeaderMap,
    form: Option<&Form>,
    builder: &Builder,
    errors: &Errors,
    notice: Option<&str>,
) -> Response {
    let mut builder = builder.clone();
    builder.pad();
    let mut campaigns: Vec<String> = match st.store.list_campaigns(None, 500).await {
        Ok(p) => p.items.into_iter().map(|c| c.name).collect(),
        Err(e) => return common::store_error(e),
    };
    if !builder.campaign.is_empty() && !campaigns.contains(&builder.campaign) {
        campaigns.insert(0, builder.campaign.clone());
    }
    let base = common::base_url(headers, st.secure_cookies);
    let snippets = form.map(|f| snippets(st, &base, f));
    let ctx = minijinja::context! {
        user => user.context(), page => "forms", form => form.map(|f| Value::from(Serde(f))),
        b => Value::from(Serde(&builder)), errors => errors, notice => notice, snippets => snippets, base => &base,
        types => FIELD_TYPES.map(type_name), captures => CAPTURES, campaigns => campaigns,
        channels => leadline_core::Channel::ALL.map(|c| c.as_str()),
        stages => leadline_core::Stage::ALL.map(|s| s.as_str()),
    };
    super::render_form(st, "form_edit.html", ctx, errors)
}

/// The embed snippet, the plain HTML form and the hosted URL of a form, as text to copy.
fn snippets(st: &AppState, base: &str, form: &Form) -> minijinja::Value {
    let text = |kind: &str| {
        let ctx = minijinja::context! {
            kind => kind, base => base, key => &form.key,
            fields => Value::from(Serde(form.definition.fields_for(None))),
            consent_text => &form.definition.consent_text,
            submit_label => form.definition.submit_label.as_deref().unwrap_or("Submit"),
            honeypot => leadline_core::form::HONEYPOT_FIELD,
        };
        st.templates
            .get_template("form_snippet.txt")
            .and_then(|t| t.render(ctx))
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "form snippet template failed");
                String::new()
            })
    };
    minijinja::context! {
        embed => text("embed").trim(), html => text("html").trim(),
        hosted => format!("{base}/f/{}", form.key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(can_market: bool) -> Value {
        minijinja::context! { email => "m@example.com", role => "marketer", csrf => "tok", can_market => can_market, is_admin => false }
    }

    fn render(name: &str, ctx: Value) -> String {
        let env = super::super::templates();
        env.get_template(name).unwrap().render(ctx).unwrap()
    }

    #[test]
    fn the_builder_page_escapes_what_people_typed_and_shows_errors_beside_fields() {
        let mut b = Builder::blank();
        b.name = "<script>alert(1)</script>".into();
        let errors = Errors::from([("f1_name".to_owned(), "Bad <name>.".to_owned())]);
        let html = render(
            "form_edit.html",
            minijinja::context! {
                user => user(true), b => Value::from(Serde(&b)), errors => &errors,
                types => FIELD_TYPES.map(type_name), captures => CAPTURES, campaigns => Vec::<String>::new(),
                channels => ["webinar"], stages => ["lead"],
            },
        );
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;alert(1)"));
        assert!(html.contains(r#"<p class="field-error" id="e-f1_name">Bad &lt;name&gt;.</p>"#));
        assert!(html.contains(r#"name="csrf" value="tok""#));
        assert!(html.contains("Create form"));
        assert!(!html.contains("<fieldset disabled"));
    }

    #[test]
    fn the_snippets_are_the_documented_embed_and_plain_form() {
        let b = Builder {
            name: "Demo".into(),
            ..Builder::blank()
        };
        let def = b.form(None).unwrap().0.definition;
        let snippet = |kind: &str| {
            render(
                "form_snippet.txt",
                minijinja::context! {
                    kind => kind, base => "https://leads.example.com", key => "demo",
                    fields => Value::from(Serde(def.fields_for(None))), consent_text => "Mail me & more",
                    submit_label => "Send", honeypot => leadline_core::form::HONEYPOT_FIELD,
                },
            )
        };
        assert_eq!(
            snippet("embed").trim(),
            r#"<div id="ll-form-demo"></div><script src="https://leads.example.com/f/demo.js" data-target="ll-form-demo" async></script>"#
        );
        let html = snippet("html");
        assert!(
            html.starts_with(r#"<form method="post" action="https://leads.example.com/f/demo">"#)
        );
        assert!(html.contains(r#"<input type="email" name="email" required>"#));
        assert!(html.contains(r#"<input type="hidden" name="utm_source" value="">"#));
        assert!(html.contains(leadline_core::form::HONEYPOT_FIELD));
        assert!(html.contains("Mail me &amp; more"));
    }

    #[test]
    fn people_below_marketer_see_the_builder_read_only() {
        let html = render(
            "form_edit.html",
            minijinja::context! {
                user => user(false), b => Value::from(Serde(&Builder::blank())), errors => Errors::new(),
                types => FIELD_TYPES.map(type_name), captures => CAPTURES,
            },
        );
        assert!(html.contains("<fieldset disabled"));
        assert!(!html.contains(r#"type="submit" class="primary""#));
    }
}
