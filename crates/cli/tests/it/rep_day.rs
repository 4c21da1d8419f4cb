//! A rep's day from the command line: `lead accept|reject|touch|next-step`, `referral add`,
//! `sla run --as-of`, `rep team-lead`, `report followup --by reason`; errors name the field.

use crate::support::{database, ok, run};

/// Fails, and says so naming `field` first.
fn refused(db: &str, args: &[&str], field: &str) -> String {
    let out = run(db, args);
    assert!(!out.status.success(), "leadline {args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains(&format!("error: {field}:")),
        "{args:?}: {stderr}"
    );
    stderr
}

#[tokio::test]
async fn a_rep_works_leads_and_the_sla_ladder_runs_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "email,first_name,company\nada@initech.com,Ada,Initech\nbo@globex.com,Bo,Globex\n",
    )
    .unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    ok(
        &db,
        &[
            "user",
            "add",
            "rep@seller.example",
            "--role",
            "sales",
            "--password",
            "pw-pw-pw-pw",
        ],
    );
    ok(
        &db,
        &[
            "user",
            "add",
            "boss@seller.example",
            "--role",
            "sales",
            "--password",
            "pw-pw-pw-pw",
        ],
    );
    ok(&db, &["rep", "team-calendar", "--every-day", "00:00-24:00"]);
    ok(
        &db,
        &[
            "rep",
            "team-lead",
            "rep@seller.example",
            "--lead",
            "boss@seller.example",
        ],
    );
    refused(
        &db,
        &[
            "rep",
            "team-lead",
            "rep@seller.example",
            "--lead",
            "nobody@x.example",
        ],
        "lead",
    );
    let store = leadline_store::Store::open(&db).await.unwrap();
    let rep = store
        .user_for_login("rep@seller.example")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let policy = dir.path().join("leadline.toml");
    std::fs::write(
        &policy,
        format!("[[routing]]\nname = \"All\"\naccept_within_hours = 4.0\nfirst_touch_within_hours = 8.0\n\n[routing.assign]\nowner = \"{rep}\"\n"),
    )
    .unwrap();
    ok(
        &db,
        &["policy", "apply", policy.to_str().unwrap(), "--no-rescore"],
    );
    store.reload_policy().await.unwrap();
    let ids: Vec<String> = csv::Reader::from_reader(ok(&db, &["export"]).as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    for id in &ids {
        ok(&db, &["stage", id, "mql", "--reason", "asked for pricing"]);
    }
    let now = leadline_store::now_ms();
    assert_eq!(store.route_pending(now, 10).await.unwrap().assigned, 2);
    let (a, b) = (ids[0].as_str(), ids[1].as_str());

    refused(
        &db,
        &["lead", "accept", a, "--rep", "ghost@seller.example"],
        "rep",
    );
    let e = refused(
        &db,
        &["lead", "accept", a, "--rep", "boss@seller.example"],
        &format!("lead {a}"),
    );
    assert!(e.contains("not_your_lead"), "{e}");
    ok(&db, &["lead", "accept", a, "--rep", "rep@seller.example"]);
    refused(
        &db,
        &[
            "lead",
            "touch",
            a,
            "--rep",
            "rep@seller.example",
            "--kind",
            "fax",
        ],
        "kind",
    );
    let activity = ok(
        &db,
        &[
            "lead",
            "touch",
            a,
            "--rep",
            "rep@seller.example",
            "--kind",
            "call",
            "--outcome",
            "reached",
        ],
    );
    assert!(!activity.trim().is_empty(), "prints the activity id");
    refused(
        &db,
        &[
            "lead",
            "next-step",
            a,
            "--rep",
            "rep@seller.example",
            "--text",
            "Demo",
            "--at",
            "friday",
        ],
        "at",
    );
    ok(
        &db,
        &[
            "lead",
            "next-step",
            a,
            "--rep",
            "rep@seller.example",
            "--text",
            "Demo",
            "--at",
            "2030-01-02T10:00:00Z",
        ],
    );
    let open = store.open_assignment(a).await.unwrap().unwrap();
    assert_eq!(open.next_step.as_deref(), Some("Demo"));
    assert!(open.first_touch_at.is_some());

    refused(
        &db,
        &[
            "referral",
            "add",
            "--rep",
            "rep@seller.example",
            "--email",
            "nope",
        ],
        "email",
    );
    let lead = ok(
        &db,
        &[
            "referral",
            "add",
            "--rep",
            "rep@seller.example",
            "--email",
            "pal@partner.example",
            "--name",
            "Pal Friend",
        ],
    );
    let referred = store.open_assignment(lead.trim()).await.unwrap().unwrap();
    assert_eq!(
        (referred.owner_id.as_str(), referred.rule.as_str()),
        (rep.as_str(), "sales referral")
    );

    // Bo is never accepted nor touched: a hundred hours on, both ladders run in the order
    // their steps fell due (accept remind 4 h, escalate 6 h, touch remind 8 h, escalate
    // 10 h), until the accept ladder's reassignment at 12 h ends the assignment.
    let later = leadline_core::time::rfc3339(now + 100 * 3_600_000);
    let said =
        String::from_utf8_lossy(&run(&db, &["sla", "run", "--as-of", &later]).stderr).into_owned();
    assert!(
        said.contains("2 reminded, 2 escalated, 1 reassigned"),
        "{said}"
    );
    let again =
        String::from_utf8_lossy(&run(&db, &["sla", "run", "--as-of", &later]).stderr).into_owned();
    assert!(
        again.contains("0 reminded, 0 escalated, 0 reassigned"),
        "{again}"
    );
    let boss = store
        .user_for_login("boss@seller.example")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    assert_eq!(
        store.unread_notifications(&boss).await.unwrap(),
        2,
        "the team lead heard twice"
    );

    refused(
        &db,
        &[
            "lead",
            "reject",
            a,
            "--rep",
            "rep@seller.example",
            "--reason",
            "meh",
        ],
        "reason",
    );
    refused(
        &db,
        &[
            "lead",
            "reject",
            a,
            "--rep",
            "rep@seller.example",
            "--reason",
            "other",
        ],
        "note",
    );
    ok(
        &db,
        &[
            "lead",
            "reject",
            a,
            "--rep",
            "rep@seller.example",
            "--reason",
            "no budget",
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &["report", "followup", "--by", "reason", "--format", "json"],
    ))
    .unwrap();
    let no_budget = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "no_budget")
        .unwrap();
    assert_eq!(no_budget["rejected"], 1);
    let _ = b;
}
