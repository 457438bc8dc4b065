//! Isolation for tests that share one Postgres, Redis and NATS: each test gets a database and a
//! `MILLM_NAMESPACE` of its own, so parallel tests (and test binaries) never see each other.

/// The local Postgres server the tests create their databases on.
pub const PG_BASE: &str = "postgres://postgres@127.0.0.1:5432";

/// Creates a fresh, empty database and returns its URL (migrations are left to the service).
///
/// # Panics
/// When Postgres cannot be reached or refuses to create the database: the test cannot run.
pub async fn fresh_database() -> String {
    let name = format!("millm_test_{}", uuid::Uuid::new_v4().simple());
    let url = format!("{PG_BASE}/{name}");
    if let Err(error) = millm_platform::db::ensure_database(&url).await {
        panic!("cannot create the test database {name}: {error}");
    }
    url
}

/// A namespace no other test uses: a letter and 12 random hex digits.
pub fn unique_namespace() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}
