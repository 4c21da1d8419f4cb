//! The receiver example in `docs/examples/verify_webhook.py` accepts what Leadline signs and
//! refuses a tampered body, so the documentation cannot drift from the signer. Needs a
//! `python3` (3.9 or later); without one the test says it is skipped.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use leadline_core::webhook::{SECRET_BYTES, Secret, signature};

fn python() -> Option<String> {
    let python = std::env::var("LEADLINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import sys; sys.exit(sys.version_info < (3, 9))"])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(python)
}

/// Runs the example on one delivery; true when it says the delivery is genuine.
fn example_accepts(
    python: &str,
    secret: &Secret,
    id: &str,
    ts: i64,
    sig: &str,
    body: &[u8],
) -> bool {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/verify_webhook.py");
    let mut child = Command::new(python)
        .arg(script)
        .args([id, &ts.to_string(), sig])
        .env("WEBHOOK_SECRET", secret.reveal())
        .stdin(Stdio::piped())
        .spawn()
        .expect("python runs");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let status = child.wait().unwrap();
    match status.code() {
        Some(0) => true,
        Some(1) => false,
        other => panic!("the example failed to run: {other:?}"),
    }
}

#[test]
fn the_documented_receiver_verifies_leadline_s_signatures() {
    let Some(python) = python() else {
        eprintln!(
            "SKIPPED the_documented_receiver_verifies_leadline_s_signatures: no python3 ≥ 3.9"
        );
        return;
    };
    let secret = Secret::from_bytes([5; SECRET_BYTES]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let body = br#"{"type":"lead.assigned","data":{"lead":"0190"}}"#;
    let sig = signature(std::slice::from_ref(&secret), "msg_1", now, body);
    assert!(example_accepts(&python, &secret, "msg_1", now, &sig, body));
    assert!(!example_accepts(
        &python,
        &secret,
        "msg_1",
        now,
        &sig,
        br#"{"type":"lead.assigned"}"#
    ));
    assert!(!example_accepts(&python, &secret, "msg_2", now, &sig, body));
    let old = now - 3600;
    let old_sig = signature(std::slice::from_ref(&secret), "msg_1", old, body);
    assert!(
        !example_accepts(&python, &secret, "msg_1", old, &old_sig, body),
        "an hour-old delivery is a replay"
    );
}
