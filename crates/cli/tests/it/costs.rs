//! `leadline cost …`, `marker …` and `channel-rules …` as marketing operations scripts them:
//! a bad row of an ad platform's export is named by file, line and column, the good rows are
//! imported, and importing again replaces instead of doubling.

use crate::support::{database, ok, run};

#[tokio::test]
async fn a_cost_import_names_bad_rows_by_file_line_and_column_and_keeps_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let file = dir.path().join("google-ads.csv");
    std::fs::write(
        &file,
        "Day,Campaign,Cost\n2026-03-01,Spring search,\"1,234.56\"\n2026-03-02,Spring search,12.345\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = run(
        &db,
        &["cost", "import", path, "--create-campaigns", "paid_search"],
    );
    assert_eq!(out.status.code(), Some(2), "some rows were refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{path}: line 3, column 3 (Cost): expected at most 2 digits"
        )),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 1 new, replaced 0"));
    let again = run(&db, &["cost", "import", path]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("imported 0 new, replaced 1"));

    let listed = ok(&db, &["cost", "list", "--format", "csv"]);
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows[1].starts_with("2026-03-01,Spring search,paid_search,123456,USD,import"));

    ok(
        &db,
        &[
            "cost",
            "add",
            "--channel",
            "organic_search",
            "--date",
            "2026-03-05",
            "--amount",
            "3000",
            "--note",
            "SEO retainer",
        ],
    );
    let bad = run(
        &db,
        &[
            "cost",
            "add",
            "--channel",
            "organic_search",
            "--date",
            "5.3.2026",
            "--amount",
            "1",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--date: expected a day YYYY-MM-DD"));
    let json = ok(
        &db,
        &["cost", "list", "--from", "2026-03-05", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["amount_minor"], 300_000);
}

#[tokio::test]
async fn markers_and_channel_rules_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let id = ok(
        &db,
        &[
            "marker",
            "add",
            "--date",
            "2026-02-03",
            "--channel",
            "analyst",
            "--title",
            "Wave report",
        ],
    );
    assert!(ok(&db, &["marker", "list"]).contains("2026-02-03\tanalyst\tWave report"));
    ok(&db, &["marker", "remove", id.trim()]);
    assert!(ok(&db, &["marker", "list"]).is_empty());

    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"[{"utm_source":"capterra","channel":"analyst"}]"#).unwrap();
    ok(&db, &["channel-rules", "set", rules.to_str().unwrap()]);
    let t = ok(
        &db,
        &[
            "channel-rules",
            "test",
            "--medium",
            "cpc",
            "--source",
            "capterra",
        ],
    );
    assert_eq!(t.trim(), "analyst\trule 1");
    let t = ok(
        &db,
        &[
            "channel-rules",
            "test",
            "--referrer",
            "https://www.google.com/",
        ],
    );
    assert_eq!(t.trim(), "organic_search\tbuilt-in classifier");
    std::fs::write(&rules, r#"[{"channel":"blog"}]"#).unwrap();
    let bad = run(&db, &["channel-rules", "set", rules.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("rule 1 (utm_medium)"));
}

#[tokio::test]
async fn a_tradeshow_list_records_tradeshow_touches_on_the_scan_day_with_self_reported_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let store = leadline_store::Store::open(&db).await.unwrap();
    store
        .create_campaign(&leadline_store::catalog::CampaignInput {
            name: "Tradeshow X".into(),
            channel: "tradeshow".into(),
            starts_at: None,
            ends_at: None,
            budget_minor: None,
            currency: None,
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
        })
        .await
        .unwrap();
    let file = dir.path().join("booth.csv");
    std::fs::write(
        &file,
        "email,name,touched_at,How did you hear about us?\nann@acme.example,Ann A,2026-03-04,Gartner\nbob@beta.example,Bob B,2026-03-05,\n",
    )
    .unwrap();
    ok(
        &db,
        &[
            "import",
            file.to_str().unwrap(),
            "--campaign",
            "Tradeshow X",
        ],
    );
    let leads = store
        .list_leads(&Default::default(), None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(leads.len(), 2);
    for lead in &leads {
        let acts = store
            .lead_activities(&lead.id, None, 10)
            .await
            .unwrap()
            .items;
        assert_eq!(acts.len(), 1);
        assert_eq!(acts[0].channel.as_deref(), Some("tradeshow"));
        assert_eq!(acts[0].campaign.as_deref(), Some("Tradeshow X"));
        let expected = if lead.email.as_deref() == Some("ann@acme.example") {
            "2026-03-04"
        } else {
            "2026-03-05"
        };
        assert_eq!(
            acts[0].occurred_at,
            leadline_core::costs::parse_day(expected).unwrap()
        );
        assert_eq!(lead.source_channel.as_deref(), Some("tradeshow"));
    }
    let mut said = store.self_reported(0, i64::MAX).await.unwrap();
    said.sort();
    assert_eq!(
        said,
        vec![("(no answer)".to_owned(), 1), ("analyst".to_owned(), 1)]
    );
}
