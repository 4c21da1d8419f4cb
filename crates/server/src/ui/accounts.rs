//! Accounts: the companies leads work for, and each account's people.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use leadline_store::leads::LeadFilter;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Fields, PAGE_SIZE};
use crate::auth::Role;
use crate::state::AppState;

/// `GET /accounts?q=&after=`: accounts by domain, searchable by domain or name.
pub async fn list(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let cursor = match common::cursor(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let search = common::field(&q, "q");
    let page = match st
        .store
        .list_accounts(search.as_deref(), cursor.as_ref(), PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "accounts", accounts => Value::from(Serde(&page.items)),
        next => &page.next, q => search,
    };
    super::render(&st, "accounts.html", ctx)
}

/// `GET /accounts/{id}?after=`: one account and its leads, newest first.
pub async fn detail(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let cursor = match common::cursor(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let account = match st.store.get_account(&id).await {
        Ok(a) => a,
        Err(leadline_store::StoreError::NotFound) => {
            return common::not_found(&st, &user, "account");
        }
        Err(e) => return common::store_error(e),
    };
    let filter = LeadFilter {
        account: Some(account.id.clone()),
        ..LeadFilter::default()
    };
    let deals = leadline_store::opportunities::OppFilter {
        account: Some(account.id.clone()),
        ..Default::default()
    };
    let (leads, merges, opps) = match tokio::try_join!(
        st.store.list_leads(&filter, cursor.as_ref(), PAGE_SIZE),
        st.store.account_merges(&account.id),
        st.store.list_opportunities(&deals, None, PAGE_SIZE)
    ) {
        Ok(x) => x,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "accounts", account => Value::from(Serde(&account)),
        leads => Value::from(Serde(&leads.items)), next => &leads.next,
        merges => Value::from(Serde(&merges)), opportunities => Value::from(Serde(&opps.items)),
    };
    super::render(&st, "account.html", ctx)
}
