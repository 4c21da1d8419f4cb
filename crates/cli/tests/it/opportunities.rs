//! `leadline opportunity …` as a rep scripts it: convert an imported, qualified lead, name a
//! contact role, save the ROI inputs, close the deal won; the lead becomes a customer.

use crate::support::{database, ok, run};

#[tokio::test]
async fn a_rep_converts_a_lead_and_closes_the_deal_won_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("list.csv");
    std::fs::write(
        &list,
        "email,first_name,company\ncfo@initech.com,Ada,Initech\ncto@initech.com,Bo,Initech\n",
    )
    .unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    let ids: Vec<String> = csv::Reader::from_reader(ok(&db, &["export"]).as_bytes())
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[1] == "cfo@initech.com" || &r[1] == "cto@initech.com")
        .map(|r| format!("{}|{}", &r[1], &r[0]))
        .collect();
    let id_of = |email: &str| {
        ids.iter()
            .find(|i| i.starts_with(email))
            .unwrap()
            .split('|')
            .nth(1)
            .unwrap()
            .to_owned()
    };
    let (cfo, cto) = (id_of("cfo@"), id_of("cto@"));

    let refused = run(&db, &["opportunity", "create", "--lead", &cfo]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not sales-ready"));
    ok(&db, &["stage", &cfo, "sql", "--reason", "BANT confirmed"]);
    let created = ok(
        &db,
        &[
            "opportunity",
            "create",
            "--lead",
            &cfo,
            "--amount-minor",
            "2400000",
            "--role",
            "champion",
        ],
    );
    let opp = created.lines().last().unwrap().trim().to_owned();
    ok(
        &db,
        &[
            "opportunity",
            "contact",
            &opp,
            "--lead",
            &cto,
            "--role",
            "technical_evaluator",
        ],
    );
    let roi = ok(
        &db,
        &[
            "opportunity",
            "roi",
            &opp,
            "--inputs",
            r#"{"current_cost_monthly":1000000,"expected_savings_monthly":400000,"price_upfront":1200000,"price_monthly":100000,"horizon_months":24}"#,
        ],
    );
    assert!(roi.contains("payback  4.0 months"), "{roi}");
    let csv = ok(&db, &["opportunity", "roi", &opp, "--csv"]);
    assert_eq!(csv.lines().count(), 26);

    let lost = run(&db, &["opportunity", "stage", &opp, "closed_lost"]);
    assert!(String::from_utf8_lossy(&lost.stderr).contains("lost_reason"));
    ok(
        &db,
        &[
            "opportunity",
            "stage",
            &opp,
            "closed_won",
            "--amount-minor",
            "2600000",
        ],
    );
    let listed: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "opportunity",
            "list",
            "--stage",
            "closed_won",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(listed[0]["id"], opp.as_str());
    assert_eq!(listed[0]["won_amount_minor"], 2_600_000);
    let table = ok(&db, &["opportunity", "list"]);
    assert!(table.starts_with("id "), "{table}");
    assert!(table.contains("initech.com"));
    let shown = ok(&db, &["opportunity", "show", &opp]);
    assert!(shown.contains("technical_evaluator"), "{shown}");
    let store = leadline_store::Store::open(&db).await.unwrap();
    assert_eq!(store.get_lead(&cfo).await.unwrap().stage, "customer");
}

/// The demo company's deals, as comparable facts: stage, amount, lost reason, competitor.
fn demo_deals(db: &str) -> Vec<(String, i64, String, String)> {
    let listed: serde_json::Value =
        serde_json::from_str(&ok(db, &["opportunity", "list", "--format", "json"])).unwrap();
    let mut deals: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let s = |k: &str| o[k].as_str().unwrap_or("").to_owned();
            (
                s("stage"),
                o["amount_minor"].as_i64().unwrap(),
                s("lost_reason"),
                s("competitor"),
            )
        })
        .collect();
    deals.sort();
    deals
}

#[tokio::test]
async fn the_demo_company_has_deals_in_every_stage_and_the_same_ones_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    std::fs::create_dir_all(&one).unwrap();
    std::fs::create_dir_all(&two).unwrap();
    let (a, b) = (database(&one).await, database(&two).await);
    for db in [&a, &b] {
        ok(db, &["demo", "--leads", "1500", "--seed", "7"]);
    }
    let deals = demo_deals(&a);
    assert_eq!(deals, demo_deals(&b), "deterministic per seed");
    for stage in [
        "needs_analysis",
        "demo",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    ] {
        assert!(
            deals.iter().any(|d| d.0 == stage),
            "no demo deal at {stage}: {deals:?}"
        );
    }
    assert!(
        deals
            .iter()
            .filter(|d| d.0 == "closed_lost")
            .all(|d| !d.2.is_empty()),
        "lost deals say why"
    );
    let store = leadline_store::Store::open(&a).await.unwrap();
    let won = store
        .list_opportunities(
            &leadline_store::opportunities::OppFilter {
                stage: Some("closed_won".into()),
                ..Default::default()
            },
            None,
            1,
        )
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(
        store.get_lead(&won.primary_lead_id).await.unwrap().stage,
        "customer"
    );
    assert_eq!(won.won_amount_minor, Some(won.amount_minor));
}
