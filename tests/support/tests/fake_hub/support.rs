//! Helpers shared by the fake hub tests.

use millm_test_support::{FakeHub, RepoOptions};

use crate::common::SampleRepo;

pub const REPO: &str = "org/sample";

/// A hub serving [`SampleRepo`] as [`REPO`]; returns the commit too.
pub async fn hub_with_sample(options: RepoOptions) -> (FakeHub, SampleRepo, String) {
    let sample = SampleRepo::new();
    let hub = FakeHub::start().await;
    let handle = hub.add_repo(REPO, sample.path(), options).expect("add repo");
    (hub, sample, handle.commit)
}

pub fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

pub async fn get(url: String) -> reqwest::Response {
    reqwest::get(url).await.expect("request")
}
