use std::collections::HashSet;

use crate::support::test_db;

#[tokio::test]
async fn concurrent_workers_claim_every_job_exactly_once() {
    let db = test_db().await;
    for i in 0..40 {
        db.store
            .enqueue_job("test", &format!("{{\"n\":{i}}}"), 0)
            .await
            .unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = db.store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store
                .claim_job(&format!("w{w}"), 1_000, 60_000)
                .await
                .unwrap()
            {
                store.finish_job(&job.id).await.unwrap();
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (40, 40));
    assert_eq!(db.store.pending_jobs().await.unwrap(), 0);
}

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_over_after_its_lease() {
    let db = test_db().await;
    let id = db.store.enqueue_job("test", "{}", 0).await.unwrap();
    let first = db
        .store
        .claim_job("dead", 1_000, 5_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.id, id);
    assert!(
        db.store
            .claim_job("other", 2_000, 5_000)
            .await
            .unwrap()
            .is_none(),
        "the lease still holds"
    );
    let again = db
        .store
        .claim_job("other", 7_000, 5_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
}

#[tokio::test]
async fn a_failed_job_is_retried_when_due_and_then_given_up() {
    let db = test_db().await;
    db.store.enqueue_job("test", "{}", 0).await.unwrap();
    let job = db
        .store
        .claim_job("w", 1_000, 5_000)
        .await
        .unwrap()
        .unwrap();
    db.store
        .fail_job(&job.id, "boom", Some(3_000))
        .await
        .unwrap();
    assert!(
        db.store
            .claim_job("w", 2_000, 5_000)
            .await
            .unwrap()
            .is_none()
    );
    let job = db
        .store
        .claim_job("w", 3_000, 5_000)
        .await
        .unwrap()
        .unwrap();
    db.store.fail_job(&job.id, "boom", None).await.unwrap();
    assert!(
        db.store
            .claim_job("w", 1_000_000, 5_000)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.store.pending_jobs().await.unwrap(), 0);
}
