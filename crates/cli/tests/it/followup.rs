//! `leadline report followup` as a sales leader runs it: leads imported, made sales-ready,
//! routed by a policy rule, one accepted and called, one rejected by the rep, one ignored;
//! the report counts them per rep and lists the leads nobody touched.

use crate::support::{database, ok, open_around_the_clock, run};

#[tokio::test]
async fn the_followup_report_counts_what_the_rep_did_with_routed_leads() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("webinar.csv");
    std::fs::write(
        &list,
        "email,first_name,last_name,company\n\
         ada@initech.com,Ada,King,Initech\n\
         bo@globex.com,Bo,Lee,Globex\n\
         cy@hooli.com,Cy,Park,Hooli\n",
    )
    .unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    let store = leadline_store::Store::open(&db).await.unwrap();
    let rep = store
        .create_user("rep@seller.example", "Rita", "sales", None)
        .await
        .unwrap();
    let policy = dir.path().join("leadline.toml");
    std::fs::write(
        &policy,
        format!(
            "[[routing]]\nname = \"Inbound\"\naccept_within_hours = 4.0\nfirst_touch_within_hours = 8.0\n\n\
             [routing.assign]\nowner = \"{}\"\n",
            rep.id
        ),
    )
    .unwrap();
    ok(&db, &["policy", "apply", policy.to_str().unwrap()]);
    store.reload_policy().await.unwrap();
    open_around_the_clock(&store).await;

    let ids: Vec<String> = csv::Reader::from_reader(ok(&db, &["export"]).as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    for id in &ids {
        ok(&db, &["stage", id, "mql", "--reason", "asked for pricing"]);
    }
    let then = leadline_store::now_ms();
    assert_eq!(store.route_pending(then, 100).await.unwrap().assigned, 3);
    store
        .accept_lead(&ids[0], &rep.id, then + 3_600_000)
        .await
        .unwrap();
    store
        .log_touch(
            &ids[0],
            &rep.id,
            leadline_core::followup::TouchKind::Call,
            "booked a demo",
            then + 2 * 3_600_000,
        )
        .await
        .unwrap();
    store
        .reject_lead(
            &ids[1],
            &rep.id,
            leadline_core::followup::RejectReason::NotAFit,
            "",
            then + 3_600_000,
        )
        .await
        .unwrap();

    // Two days on, every deadline has passed.
    let later = leadline_core::time::rfc3339(then + 48 * 3_600_000);
    let report = |extra: &[&str]| {
        let mut args = vec!["report", "followup", "--as-of", later.as_str()];
        args.extend(extra);
        ok(&db, &args)
    };
    let now_rows: serde_json::Value =
        serde_json::from_str(&ok(&db, &["report", "followup", "--format", "json"])).unwrap();
    // Today no deadline has passed: the third lead still awaits its accept.
    assert_eq!(now_rows[0]["pending"], 1);
    assert_eq!(now_rows[0]["never_touched"], 1, "only the rejected one");
    let rows: serde_json::Value = serde_json::from_str(&report(&["--format", "json"])).unwrap();
    let rita = &rows[0];
    assert_eq!(rita["key"], "rep@seller.example");
    assert_eq!(rita["assigned"], 3);
    assert_eq!(rita["accepted_on_time"], 1);
    assert_eq!(rita["accepted_late"], 1, "the third was never accepted");
    assert_eq!(rita["rejected"], 1);
    assert_eq!(rita["touched_on_time"], 1, "the call two hours in");
    assert_eq!(
        rita["never_touched"], 2,
        "the rejected lead and the ignored one"
    );
    assert_eq!(rows[1]["key"], "total");

    let table = report(&["--by", "source"]);
    assert!(table.starts_with("key"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("total")), "{table}");
    let untouched = report(&["--never-touched", "--format", "csv"]);
    assert_eq!(untouched.lines().count(), 3, "{untouched}");
    let bad = run(&db, &["report", "followup", "--as-of", "yesterday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--as-of"));
}
