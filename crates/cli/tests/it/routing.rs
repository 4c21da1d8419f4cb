//! `leadline routing` and `leadline rep` as a sales manager runs them: rules set from a TOML
//! file with reps by email (mistakes named by file, line and field), a lead previewed, a rep
//! sent out of office and passed over; and the follow-up report reading the same over the
//! API as on the command line.

use crate::support::{Server, database, ok, open_around_the_clock, run};

const RULES: &str = r#"
[[routing]]
name = "Germany"
when = 'country = "DE"'
assign = { owner = "ana@seller.example" }

[[routing]]
name = "Inbound team"
accept_within_hours = 4.0
assign = { team = "inbound", members = [{ rep = "ana@seller.example" }, { rep = "ben@seller.example" }] }
"#;

#[tokio::test]
async fn a_manager_sets_rules_from_a_file_previews_a_lead_and_sends_a_rep_away() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "email,country\nlee@acme.example,US\n").unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    for name in ["ana", "ben"] {
        ok(
            &db,
            &[
                "user",
                "add",
                &format!("{name}@seller.example"),
                "--role",
                "sales",
            ],
        );
    }
    let cal = dir.path().join("always.json");
    std::fs::write(
        &cal,
        r#"{"time_zone": "UTC", "hours": {"monday": "00:00-24:00", "tuesday": "00:00-24:00",
        "wednesday": "00:00-24:00", "thursday": "00:00-24:00", "friday": "00:00-24:00",
        "saturday": "00:00-24:00", "sunday": "00:00-24:00"}}"#,
    )
    .unwrap();
    ok(&db, &["rep", "team-calendar", cal.to_str().unwrap()]);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, RULES.replace("country = \"DE\"", "country = ")).unwrap();
    let out = run(&db, &["routing", "set", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:2:") && err.contains("routing[0].when"),
        "{err}"
    );
    std::fs::write(&bad, RULES.replace("ben@seller", "bob@seller")).unwrap();
    let err = String::from_utf8_lossy(&run(&db, &["routing", "set", bad.to_str().unwrap()]).stderr)
        .into_owned();
    assert!(
        err.contains("routing[1].assign.members[1].rep") && err.contains("is not a sales rep"),
        "{err}"
    );
    let out = run(&db, &["routing", "set", "/no/such/rules.toml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /no/such/rules.toml"));

    let file = dir.path().join("rules.toml");
    std::fs::write(&file, RULES).unwrap();
    ok(&db, &["routing", "set", file.to_str().unwrap()]);
    let shown = ok(&db, &["routing", "show"]);
    assert!(shown.contains("name = \"Inbound team\""), "{shown}");
    assert!(
        shown.contains("# ben@seller.example"),
        "reps are named: {shown}"
    );

    let preview = ok(&db, &["routing", "preview", "lee@acme.example"]);
    assert!(
        preview.contains("rule 'Germany' did not match"),
        "{preview}"
    );
    assert!(
        preview.contains("rule 2 'Inbound team' fires: ana@seller.example"),
        "{preview}"
    );
    assert!(preview.contains("accept by 20"), "a deadline: {preview}");

    ok(
        &db,
        &[
            "rep",
            "set",
            "ana@seller.example",
            "--out-of-office",
            "2020-01-01T00:00:00Z..",
        ],
    );
    let preview = ok(&db, &["routing", "preview", "lee@acme.example"]);
    assert!(
        preview.contains("ana@seller.example skipped: out of office"),
        "{preview}"
    );
    assert!(preview.contains("fires: ben@seller.example"), "{preview}");
    let reps = ok(&db, &["rep", "list"]);
    assert!(reps.contains("out of office 2020-01-01"), "{reps}");

    let out = run(
        &db,
        &[
            "rep",
            "set",
            "ana@seller.example",
            "--out-of-office",
            "tomorrow",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("FROM..UNTIL"));
    ok(&db, &["rep", "set", "ana@seller.example", "--back"]);
    let preview = ok(&db, &["routing", "preview", "lee@acme.example"]);
    assert!(
        preview.contains("fires: ana@seller.example"),
        "back again: {preview}"
    );
}

#[tokio::test]
async fn the_followup_report_reads_the_same_over_the_api_as_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "email\nada@initech.example\nbo@globex.example\n").unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    ok(
        &db,
        &["user", "add", "ana@seller.example", "--role", "sales"],
    );
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[routing]]\nname = \"All\"\naccept_within_hours = 1.0\nfirst_touch_within_hours = 2.0\n\
         assign = { owner = \"ana@seller.example\" }\n",
    )
    .unwrap();
    ok(&db, &["routing", "set", rules.to_str().unwrap()]);
    let store = leadline_store::Store::open(&db).await.unwrap();
    open_around_the_clock(&store).await;
    let ids: Vec<String> = csv::Reader::from_reader(ok(&db, &["export"]).as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    for id in &ids {
        ok(&db, &["stage", id, "mql", "--reason", "asked for a demo"]);
    }
    let then = leadline_store::now_ms() - 10 * 3_600_000;
    assert_eq!(
        store
            .route_pending(leadline_store::now_ms(), 100)
            .await
            .unwrap()
            .assigned,
        2
    );
    store.close().await;

    let key = ok(&db, &["apikey", "create", "report"]);
    let key = key.lines().last().unwrap().trim().to_owned();
    let server = Server::start(&db);
    let to = leadline_core::time::rfc3339(leadline_store::now_ms() + 48 * 3_600_000);
    let from = leadline_core::time::rfc3339(then);
    let api: serde_json::Value = leadline_server::http_client_builder()
        .build()
        .unwrap()
        .get(format!(
            "{}/api/v1/reports/followup?by=rep&from={from}&to={to}",
            server.base
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The CLI's window is `--days` before `--as-of`: three days cover both assignments.
    let cli: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "report", "followup", "--days", "3", "--as-of", &to, "--format", "json",
        ],
    ))
    .unwrap();
    assert_eq!(api["items"], cli, "{api}");
    assert_eq!(cli[0]["key"], "ana@seller.example");
    assert_eq!(
        cli[0]["never_touched"], 2,
        "two days on, neither was touched"
    );
    assert_eq!(api["never_touched"].as_array().unwrap().len(), 2);
}
