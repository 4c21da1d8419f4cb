use leadline_store::{Capturer, Store};

/// A fresh store for one test (SQLite file, or a new PostgreSQL database under
/// `TEST_DATABASE_URL`) with a capture writer running on it.
pub struct TestDb {
    pub store: Store,
    pub capturer: Capturer,
    _dir: tempfile::TempDir,
}

pub async fn test_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = leadline_store::testing::fresh_database_url(dir.path()).await;
    let store = Store::open(&url).await.expect("open test database");
    TestDb {
        capturer: Capturer::start(store.clone()),
        store,
        _dir: dir,
    }
}
