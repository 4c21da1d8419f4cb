//! `leadline duplicates …` as a person at a terminal uses it: scan, list, show, merge,
//! dismiss and rules, with errors that say what to do.

use std::process::Output;

use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::{Capturer, Store};

use crate::support::{database, leadline};

fn run(db: &str, args: &[&str]) -> Output {
    let mut cmd = leadline();
    cmd.arg("duplicates").args(args).args(["--db", db]);
    cmd.output().expect("run leadline duplicates")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Three leads: two of them one person at one company.
async fn fill(db: &str) {
    let store = Store::open(db).await.expect("open db");
    let capturer = Capturer::start(store.clone());
    let people = [
        ("ada@acme.com", "Ada", "Lovelace", "Analyst", 1_000),
        (
            "a.lovelace@acme.com",
            "Adda",
            "Lovelace",
            "Head of Analytics",
            2_000,
        ),
        ("grace@globex.com", "Grace", "Hopper", "Admiral", 3_000),
    ];
    let events = people
        .iter()
        .map(|(email, first, last, title, at)| {
            let mut e = CaptureEvent::new(
                format!("m-{email}"),
                Activity::ListImported,
                *at,
                "import:test",
            );
            e.email = Some(Email::parse(email).unwrap());
            e.traits.first_name = Some((*first).into());
            e.traits.last_name = Some((*last).into());
            e.traits.title = Some((*title).into());
            e
        })
        .collect();
    capturer.capture(events).await.expect("capture");
    // No `store.close()`: on PostgreSQL the capture writer keeps its connection until the
    // runtime ends, and closing would wait for it.
}

#[tokio::test]
async fn a_pair_is_scanned_listed_shown_and_merged_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    fill(&db).await;

    let out = run(&db, &["scan"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("1 likely duplicates (1 new"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&db, &["list", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pairs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pairs.as_array().unwrap().len(), 1, "{pairs}");
    let id = pairs[0]["id"].as_str().unwrap().to_owned();
    let table = run(&db, &["list"]);
    assert!(text(&table.stdout).contains(&id), "{}", text(&table.stdout));

    let out = run(&db, &["show", &id]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("title\t") && shown.contains("newest"),
        "{shown}"
    );

    let out = run(&db, &["merge", &id, "--take", "title=x"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("expected FIELD=a or FIELD=b"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&db, &["merge", &id, "--take", "salary=a"]);
    assert!(
        text(&out.stderr).contains("unknown field \"salary\""),
        "{}",
        text(&out.stderr)
    );
    let out = run(&db, &["merge", &id, "--by", "nobody@acme.com"]);
    assert!(
        text(&out.stderr).contains("no such user"),
        "{}",
        text(&out.stderr)
    );

    let older = if pairs[0]["a"]["email"] == "ada@acme.com" {
        "a"
    } else {
        "b"
    };
    let out = run(
        &db,
        &[
            "merge",
            &id,
            "--keep",
            older,
            "--take",
            &format!("title={older}"),
            "--reason",
            "same analyst",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let survivor = text(&out.stdout).trim().to_owned();
    let store = Store::open(&db).await.unwrap();
    let lead = store.get_lead(&survivor).await.unwrap();
    assert_eq!(lead.email.as_deref(), Some("ada@acme.com"));
    assert_eq!(
        lead.first_name.as_deref(),
        Some("Adda"),
        "the most complete name"
    );
    assert_eq!(
        lead.title.as_deref(),
        Some("Analyst"),
        "the title taken from the kept record"
    );
    assert_eq!(store.count_leads().await.unwrap(), 2);
    store.close().await;

    let out = run(&db, &["merge", &id]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already merged"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&db, &["dismiss", "no-such-pair"]);
    assert!(
        text(&out.stderr).contains("no duplicate pair \"no-such-pair\""),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn survivorship_rules_are_shown_changed_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let out = run(&db, &["rules", "title=oldest", "custom.industry=longest"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("title=oldest") && shown.contains("custom.industry=most_complete"),
        "{shown}"
    );
    let out = run(&db, &["rules", "titel=oldest"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unknown field \"titel\""),
        "{}",
        text(&out.stderr)
    );
    let out = run(&db, &["rules", "--reset"]);
    assert!(
        text(&out.stdout).contains("title=newest"),
        "{}",
        text(&out.stdout)
    );
}
