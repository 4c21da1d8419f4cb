//! Several `leadline serve` processes on one database work together: events sent to either
//! land once, and a queued import is run by exactly one of them.

use crate::support::{Server, batch, database, stored, write_key};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_share_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let key = write_key(&db).await;
    let (a, b) = (Server::start(&db), Server::start(&db));
    let http = leadline_server::http_client_builder().build().unwrap();
    let mut all = Vec::new();
    let mut sends = Vec::new();
    for i in 0..20 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        // Both servers see the same people: batches overlap in identity across processes.
        let (body, ids) = batch(&format!("shared{}", i % 5), 30);
        let (body2, ids2) = batch(&format!("only{i}"), 30);
        all.extend(ids2);
        if i < 5 {
            all.extend(ids);
        }
        for body in [body, body2] {
            let req = http
                .post(format!("{base}/v1/batch"))
                .basic_auth(&key, Some(""))
                .json(&body);
            sends.push(tokio::spawn(
                async move { req.send().await.map(|r| r.status()) },
            ));
        }
    }
    for s in sends {
        assert!(s.await.unwrap().unwrap().is_success());
    }
    assert_eq!(stored(&db, &all).await, all.len());
    let store = leadline_store::Store::open(&db).await.unwrap();
    assert_eq!(
        store.count_leads().await.unwrap(),
        25 * 15,
        "one lead per person, whichever server saw them"
    );

    let csv = "Email,Company\n".to_owned()
        + &(0..500)
            .map(|i| format!("imp{i}@co{i}.example,Co {i}\n"))
            .collect::<String>();
    let id = store
        .create_import(
            "list.csv",
            &serde_json::json!({"list_name": "list"}),
            csv.into_bytes(),
            None,
        )
        .await
        .unwrap();
    let done = loop {
        let rec = store.get_import(&id).await.unwrap();
        if rec.status == "done" {
            break rec;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!((done.created, done.failed), (500, 0));
    assert_eq!(store.count_leads().await.unwrap(), 25 * 15 + 500);
}
