//! `leadline webhook …` as an integrator scripts it: a bad URL is named, the secret is printed
//! once on the last line, a lead imported after the endpoint exists is queued for it, a ping
//! is queued too, and a removed endpoint is gone.

use crate::support::{database, ok, run};

#[tokio::test]
async fn an_integrator_manages_webhook_endpoints_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;

    let bad = run(&db, &["webhook", "add", "ftp://hooks.example/x"]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("url:"), "the error names the field: {err}");
    let bad = run(
        &db,
        &[
            "webhook",
            "add",
            "https://hooks.example/x",
            "--event",
            "lead.eaten",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("event_types:"));

    let out = ok(
        &db,
        &[
            "webhook",
            "add",
            "https://hooks.example/crm",
            "--event",
            "lead.created",
        ],
    );
    let secret = out.lines().last().unwrap();
    assert!(secret.starts_with("whsec_"), "{out}");
    let listed = ok(&db, &["webhook", "list"]);
    let line = listed
        .lines()
        .find(|l| l.contains("https://hooks.example/crm"))
        .unwrap();
    assert!(
        line.contains("lead.created") && line.contains("enabled"),
        "{line}"
    );
    assert!(!listed.contains(secret), "the secret is never listed");
    let id = line.split('\t').next().unwrap().to_owned();

    let list = dir.path().join("list.csv");
    std::fs::write(&list, "email,first_name\nnia@initech.com,Nia\n").unwrap();
    ok(&db, &["import", list.to_str().unwrap()]);
    let event = ok(&db, &["webhook", "ping", &id]);
    let event = event.lines().last().unwrap();
    let log = ok(&db, &["webhook", "deliveries", &id]);
    let created = log
        .lines()
        .filter(|l| l.contains("\tlead.created\t"))
        .count();
    assert_eq!(
        created, 1,
        "the imported lead is queued for the endpoint: {log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("\tping\t") && l.contains(event) && l.contains("pending")),
        "{log}"
    );

    ok(&db, &["webhook", "remove", &id]);
    assert!(!ok(&db, &["webhook", "list"]).contains(&id));
    let gone = run(&db, &["webhook", "deliveries", &id]);
    assert!(!gone.status.success());
    assert!(String::from_utf8_lossy(&gone.stderr).contains("not found"));
}
