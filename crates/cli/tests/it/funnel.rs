//! `leadline report funnel|sources|compare` in each format, and flag errors that name the flag.

use crate::support::{database, ok, run};

/// Three imported leads: one moved to SQL, one disqualified, one left as imported.
async fn three_leads(dir: &std::path::Path) -> String {
    let db = database(dir).await;
    let list = dir.join("tradeshow.csv");
    std::fs::write(
        &list,
        "email,company\nada@initech.com,Initech\nbo@globex.com,Globex\ncy@uni.edu,Uni\n",
    )
    .unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    let ids: Vec<String> = csv::Reader::from_reader(ok(&db, &["export"]).as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    ok(
        &db,
        &["stage", &ids[0], "sql", "--reason", "budget confirmed"],
    );
    ok(
        &db,
        &["stage", &ids[1], "disqualified", "--reason", "competitor"],
    );
    db
}

#[tokio::test]
async fn the_funnel_prints_as_table_csv_and_json_with_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = three_leads(dir.path()).await;
    let csv = ok(
        &db,
        &[
            "report",
            "funnel",
            "--by",
            "month",
            "--period",
            "last-30-days",
            "--format",
            "csv",
        ],
    );
    let total = csv.lines().find(|l| l.starts_with("total,")).unwrap();
    assert!(total.starts_with("total,3,3,1,1,1,0,0,"), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&db, &["report", "funnel", "--format", "json"])).unwrap();
    let last = json["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["stages"][4]["count"], 1, "SQL");
    let table = ok(&db, &["report", "funnel", "--by", "source"]);
    assert!(
        table.lines().next().unwrap().starts_with("source"),
        "{table}"
    );
    assert!(table.contains("median_days"), "the velocity table follows");
    let sources = ok(&db, &["report", "sources", "--format", "csv"]);
    assert!(
        sources.starts_with("channel,leads,disqualified,disqualified_share,top_reasons"),
        "{sources}"
    );
    assert!(sources.contains("competitor:1"), "{sources}");
}

#[tokio::test]
async fn compare_gives_a_verdict_and_bad_flags_name_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let db = three_leads(dir.path()).await;
    let out = ok(
        &db,
        &[
            "report",
            "compare",
            "--channel",
            "webinar",
            "--stage",
            "sql",
        ],
    );
    assert!(out.contains("Too few leads to tell"), "{out}");
    assert!(out.lines().next().unwrap().starts_with("cohort"), "{out}");
    let bad = run(&db, &["report", "funnel", "--period", "fortnight"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--period"),
        "{bad:?}"
    );
    let bad = run(&db, &["report", "funnel", "--from", "2026-02-30"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--from"),
        "{bad:?}"
    );
    let bad = run(&db, &["report", "compare", "--campaign", "No such thing"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--campaign"),
        "{bad:?}"
    );
    let bad = run(&db, &["report", "compare"]);
    assert!(!bad.status.success(), "a program is required");
}
