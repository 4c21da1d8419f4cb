//! A crash after an acknowledgement loses nothing: the server and the importer are killed
//! with SIGKILL mid-stream, restarted, and every acknowledged event and every reported row
//! is there, none twice.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use crate::support::{Server, batch, database, leadline, stored, write_key};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_event_survives_a_kill_9_during_sustained_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let key = write_key(&db).await;
    let mut server = Server::start(&db);
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let (enough_tx, mut enough_rx) = tokio::sync::mpsc::channel::<()>(64);
    let mut clients = Vec::new();
    for c in 0..4 {
        let (base, key, acked, sent, enough) = (
            server.base.clone(),
            key.clone(),
            acked.clone(),
            sent.clone(),
            enough_tx.clone(),
        );
        clients.push(tokio::spawn(async move {
            let http = leadline_server::http_client_builder().build().unwrap();
            for b in 0.. {
                let (body, ids) = batch(&format!("c{c}b{b}"), 40);
                sent.lock().unwrap().extend(ids.iter().cloned());
                let ok = http
                    .post(format!("{base}/v1/batch"))
                    .basic_auth(&key, Some(""))
                    .json(&body)
                    .send()
                    .await;
                match ok {
                    Ok(r) if r.status().is_success() => {
                        acked.lock().unwrap().extend(ids);
                        let _ = enough.try_send(());
                    }
                    _ => return, // the server is gone
                }
            }
        }));
    }
    for _ in 0..25 {
        enough_rx.recv().await.expect("acknowledgements");
    }
    server.kill_9();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 25 * 40);
    let _restarted = Server::start(&db);
    assert_eq!(
        stored(&db, &acked).await,
        acked.len(),
        "every acknowledged event is stored after the crash"
    );

    // Clients resend what they are unsure of: nothing is stored twice, nothing is missing.
    let sent = sent.lock().unwrap().clone();
    let store = leadline_store::Store::open(&db).await.unwrap();
    let capturer = leadline_store::Capturer::start(store.clone());
    for chunk in sent.chunks(200) {
        let events = chunk
            .iter()
            .map(|id| {
                let mut e = leadline_core::CaptureEvent::new(
                    id.clone(),
                    leadline_core::Activity::Track,
                    1,
                    "test",
                );
                e.anonymous_id = Some("resender".into());
                e
            })
            .collect();
        capturer.capture(events).await.unwrap();
    }
    assert_eq!(stored(&db, &sent).await, sent.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_an_import_reported_survives_a_kill_9_and_a_rerun_adds_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let csv = dir.path().join("expo.csv");
    let rows = 30_000;
    let mut text = String::from("Email,First Name,Company\n");
    for i in 0..rows {
        text.push_str(&format!(
            "visitor{i}@firm{}.example,Name{i},Firm {}\n",
            i % 900,
            i % 900
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let run = |path: &std::path::Path| {
        leadline()
            .args([
                "import",
                path.to_str().unwrap(),
                "--db",
                &db,
                "--campaign",
                "Expo",
                "--progress",
                "json",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start leadline import")
    };
    let mut child = run(&csv);
    let mut reported = 0;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line.unwrap()) else {
            continue;
        };
        // Log lines (a slow-statement warning under load) share the stream: skip them.
        let Some(created) = v["created"].as_u64() else {
            continue;
        };
        reported = created;
        if reported >= 5_000 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        reported >= 5_000,
        "the import reported progress before the kill"
    );
    let store = leadline_store::Store::open(&db).await.unwrap();
    let after_crash = store.count_leads().await.unwrap();
    assert!(
        after_crash as u64 >= reported,
        "{after_crash} leads stored, {reported} reported imported"
    );

    let status = run(&csv).wait().unwrap();
    assert!(status.success());
    assert_eq!(
        store.count_leads().await.unwrap(),
        rows,
        "the re-run completes the list and adds nobody twice"
    );
}
