use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use leadline_store::Store;

/// The binary under test.
pub fn leadline() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leadline"));
    c.env("LEADLINE_LOG", "warn");
    c
}

/// A database for one test (SQLite file in `dir`, or a fresh PostgreSQL database).
pub async fn database(dir: &std::path::Path) -> String {
    leadline_store::testing::fresh_database_url(dir).await
}

/// A running `leadline serve`; killed with SIGKILL when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts `leadline serve` on a free port and waits for its "listening on" line.
    pub fn start(db: &str) -> Server {
        let mut child = leadline()
            .args(["serve", "--db", db, "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start leadline serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .expect("read stdout");
            if let Some(i) = line.find("http://") {
                break line[i..].trim().to_owned();
            }
        };
        Server { child, base }
    }

    /// SIGKILL: no shutdown, no flush, like a power cut for the process.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates a source and returns its write key.
pub async fn write_key(db: &str) -> String {
    let store = Store::open(db).await.expect("open db");
    let key = format!("wk-{}", leadline_store::new_id());
    store
        .create_source("test", &key)
        .await
        .expect("create source");
    store.close().await;
    key
}

/// Message ids stored, among `ids`.
/// How many of `ids` are stored, once a running server has applied its inbox (acknowledged
/// tracking events are queued first and applied moments later).
pub async fn stored(db: &str, ids: &[String]) -> usize {
    let store = Store::open(db).await.expect("open db");
    store
        .wait_for_inbox(std::time::Duration::from_secs(60))
        .await
        .expect("a running server applies the inbox");
    let n = store
        .count_activities_with_message_ids(ids)
        .await
        .expect("count");
    store.close().await;
    n as usize
}

/// A Segment batch of `n` identify/track events with ids `{prefix}-{i}`.
pub fn batch(prefix: &str, n: usize) -> (serde_json::Value, Vec<String>) {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    let msgs: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if i % 2 == 0 {
                serde_json::json!({"type": "identify", "messageId": id, "anonymousId": format!("a-{prefix}-{i}"),
                    "traits": {"email": format!("{prefix}.{i}@acme.example"), "firstName": "P"}})
            } else {
                serde_json::json!({"type": "page", "messageId": id, "anonymousId": format!("a-{prefix}-{}", i - 1), "name": "Pricing"})
            }
        })
        .collect();
    (serde_json::json!({ "batch": msgs }), ids)
}

/// Runs `leadline --db DB ARGS…` to the end.
pub fn run(db: &str, args: &[&str]) -> std::process::Output {
    leadline()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run leadline")
}

/// Runs `leadline --db DB ARGS…`, fails the test (with its stderr) unless it succeeds, and
/// returns its stdout.
pub fn ok(db: &str, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "leadline {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Sets the team calendar open around the clock, so a test reads the same on any day of the week.
pub async fn open_around_the_clock(store: &Store) {
    let always = leadline_core::business_hours::Calendar {
        hours: leadline_core::business_hours::WeeklyHours::every_day(Some("00:00-24:00")),
        ..Default::default()
    };
    store.set_team_calendar(&always).await.unwrap();
}
