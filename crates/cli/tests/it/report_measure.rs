//! `leadline report attribution` and `leadline report roi` in their three formats, and
//! errors that name the flag at fault.

use crate::support::{database, ok, run};

#[tokio::test]
async fn attribution_and_roi_print_tables_csv_and_json_for_imported_leads() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("booth.csv");
    std::fs::write(&list, "email\nada@initech.com\nbo@globex.com\n").unwrap();
    ok(
        &db,
        &["import", list.to_str().unwrap(), "--campaign", "Booth"],
    );

    let json: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "report",
            "attribution",
            "--period",
            "last-7-days",
            "--model",
            "first",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(json["conversions"], 2);
    assert_eq!(json["models"], serde_json::json!(["first"]));
    let credited: f64 = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conversions"][0].as_f64().unwrap())
        .sum();
    assert_eq!(credited, 2.0);

    let csv = ok(
        &db,
        &[
            "report",
            "attribution",
            "--period",
            "last-7-days",
            "--by",
            "campaign",
            "--format",
            "csv",
        ],
    );
    let head = csv.lines().next().unwrap();
    assert!(
        head.starts_with("campaign,first,last,last-non-direct,linear"),
        "{head}"
    );
    assert!(csv.contains("Booth,2.00"), "{csv}");

    let table = ok(
        &db,
        &[
            "report",
            "roi",
            "--by",
            "campaign",
            "--period",
            "last-7-days",
        ],
    );
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("campaign") && lines[0].ends_with("roi"),
        "{table}"
    );
    assert!(lines.iter().any(|l| l.starts_with("Booth")), "{table}");
    assert!(lines.last().unwrap().starts_with("Total"), "{table}");

    let roi: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "report",
            "roi",
            "--by",
            "channel",
            "--period",
            "last-7-days",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(roi["total"]["leads"], 2.0);

    for (args, flag) in [
        (
            &["report", "attribution", "--model", "tarot"][..],
            "--model",
        ),
        (&["report", "roi", "--from", "2026-01-01"][..], "--to"),
        (&["report", "roi", "--period", "someday"][..], "--period"),
    ] {
        let out = run(&db, args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{args:?}: {err}");
    }
}
