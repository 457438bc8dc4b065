//! Downloads (resolve with ETag, commit and ranges), the hub's error codes, auth rules and shutdown.

use millm_test_support::{FakeHub, RepoOptions};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{DATA_LEN, git_blob_sha1, sha256_hex};
use crate::support::{REPO, get, header, hub_with_sample};

#[tokio::test]
async fn resolve_serves_the_file_with_etag_commit_and_length() {
    // Arrange
    let (hub, sample, commit) = hub_with_sample(RepoOptions::default()).await;
    let client = reqwest::Client::new();

    // Act
    let lfs = get(format!("{}/{REPO}/resolve/main/model.safetensors", hub.url())).await;
    let head = client
        .head(format!("{}/{REPO}/resolve/{commit}/config.json", hub.url()))
        .send()
        .await
        .expect("head");
    let nested = get(format!("{}/{REPO}/resolve/main/nested/deeper/notes.txt", hub.url())).await;

    // Assert
    assert_eq!(lfs.status(), StatusCode::OK);
    assert_eq!(
        header(&lfs, "etag"),
        Some(format!("\"{}\"", sha256_hex(&sample.bytes("model.safetensors"))).as_str())
    );
    assert_eq!(header(&lfs, "x-repo-commit"), Some(commit.as_str()));
    assert_eq!(header(&lfs, "accept-ranges"), Some("bytes"));
    assert_eq!(header(&lfs, "content-length"), Some(DATA_LEN.to_string().as_str()));
    assert!(header(&lfs, "x-xet-hash").is_none() && header(&lfs, "link").is_none());
    assert_eq!(lfs.bytes().await.expect("body"), sample.bytes("model.safetensors"));

    assert_eq!(head.status(), StatusCode::OK);
    let config = sample.bytes("config.json");
    assert_eq!(
        header(&head, "etag"),
        Some(format!("\"{}\"", git_blob_sha1(&config)).as_str())
    );
    assert_eq!(header(&head, "content-length"), Some(config.len().to_string().as_str()));
    assert!(head.bytes().await.expect("head body").is_empty());

    assert_eq!(nested.bytes().await.expect("body").as_ref(), b"hello\n");
}

#[tokio::test]
async fn ranges_answer_206_and_clamp_an_end_past_the_file() {
    // Arrange
    let (hub, sample, _) = hub_with_sample(RepoOptions::default()).await;
    let data = sample.bytes("model.safetensors");
    let url = format!("{}/{REPO}/resolve/main/model.safetensors", hub.url());
    let client = reqwest::Client::new();
    let ranged = |range: &'static str| client.get(&url).header("range", range).send();

    // Act
    let middle = ranged("bytes=100-199").await.expect("range");
    let tail = ranged("bytes=4194000-").await.expect("open range");
    let clamped = ranged("bytes=4194300-9999999").await.expect("clamped");
    let first = ranged("bytes=0-0").await.expect("first byte");
    let past = ranged("bytes=4194304-4194400").await.expect("past");

    // Assert
    assert_eq!(middle.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&middle, "content-range"), Some("bytes 100-199/4194304"));
    assert_eq!(middle.bytes().await.expect("body"), data[100..200]);
    assert_eq!(header(&tail, "content-range"), Some("bytes 4194000-4194303/4194304"));
    assert_eq!(tail.bytes().await.expect("body"), data[4_194_000..]);
    assert_eq!(header(&clamped, "content-length"), Some("4"));
    assert_eq!(clamped.bytes().await.expect("body"), data[4_194_300..]);
    assert_eq!(header(&first, "content-range"), Some("bytes 0-0/4194304"));
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&past, "content-range"), Some("bytes */4194304"));
}

#[tokio::test]
async fn unknown_repos_are_404_to_users_and_401_to_anonymous_callers() {
    // Arrange
    let (hub, _sample, _) = hub_with_sample(RepoOptions::default()).await;
    hub.add_token("hf_user");
    let client = reqwest::Client::new();
    let url = format!("{}/api/models/org/missing", hub.url());

    // Act
    let anonymous = client.get(&url).send().await.expect("anonymous");
    let user = client.get(&url).bearer_auth("hf_user").send().await.expect("user");
    let file = client
        .get(format!("{}/org/missing/resolve/main/x", hub.url()))
        .bearer_auth("hf_user")
        .send()
        .await
        .expect("file");

    // Assert
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&anonymous, "x-error-code"), Some("RepoNotFound"));
    assert_eq!(user.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&user, "x-error-code"), Some("RepoNotFound"));
    assert_eq!(file.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&file, "x-error-code"), Some("RepoNotFound"));
}

#[tokio::test]
async fn unknown_revisions_and_files_have_their_own_error_codes() {
    // Arrange
    let (hub, _sample, commit) = hub_with_sample(RepoOptions::default()).await;

    // Act
    let info = get(format!("{}/api/models/{REPO}/revision/v9", hub.url())).await;
    let tree = get(format!("{}/api/models/{REPO}/tree/v9", hub.url())).await;
    let resolve = get(format!("{}/{REPO}/resolve/v9/config.json", hub.url())).await;
    let entry = get(format!("{}/{REPO}/resolve/main/nope.bin", hub.url())).await;

    // Assert
    for response in [&info, &tree, &resolve] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(header(response, "x-error-code"), Some("RevisionNotFound"));
    }
    assert_eq!(entry.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&entry, "x-error-code"), Some("EntryNotFound"));
    assert_eq!(header(&entry, "x-repo-commit"), Some(commit.as_str()));
    assert!(header(&entry, "x-error-message").is_some());
}

#[tokio::test]
async fn private_repos_need_an_allowed_token() {
    // Arrange
    let options = RepoOptions {
        private: true,
        allowed_tokens: vec!["hf_owner".into()],
        ..Default::default()
    };
    let (hub, _sample, _) = hub_with_sample(options).await;
    hub.add_token("hf_stranger");
    let client = reqwest::Client::new();
    let url = format!("{}/api/models/{REPO}", hub.url());

    // Act
    let anonymous = client.get(&url).send().await.expect("anonymous");
    let stranger = client
        .get(&url)
        .bearer_auth("hf_stranger")
        .send()
        .await
        .expect("stranger");
    let owner = client.get(&url).bearer_auth("hf_owner").send().await.expect("owner");

    // Assert
    for refused in [&anonymous, &stranger] {
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(header(refused, "x-error-code"), Some("RepoNotFound"));
    }
    assert_eq!(owner.status(), StatusCode::OK);
    assert_eq!(owner.json::<Value>().await.expect("json")["private"], true);
}

#[tokio::test]
async fn gated_repos_show_info_but_refuse_files_401_anonymous_and_403_unapproved() {
    // Arrange
    let options = RepoOptions {
        gated: true,
        allowed_tokens: vec!["hf_approved".into()],
        ..Default::default()
    };
    let (hub, _sample, _) = hub_with_sample(options).await;
    hub.add_token("hf_unapproved");
    let client = reqwest::Client::new();
    let file = format!("{}/{REPO}/resolve/main/config.json", hub.url());

    // Act
    let info: Value = get(format!("{}/api/models/{REPO}", hub.url()))
        .await
        .json()
        .await
        .expect("json");
    let tree = get(format!("{}/api/models/{REPO}/tree/main", hub.url())).await;
    let anonymous = client.get(&file).send().await.expect("anonymous");
    let unapproved = client
        .head(&file)
        .bearer_auth("hf_unapproved")
        .send()
        .await
        .expect("unapproved");
    let approved = client
        .get(&file)
        .bearer_auth("hf_approved")
        .send()
        .await
        .expect("approved");

    // Assert
    assert_eq!(info["gated"], "manual");
    assert_eq!(tree.status(), StatusCode::OK);
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&anonymous, "x-error-code"), Some("GatedRepo"));
    assert_eq!(unapproved.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&unapproved, "x-error-code"), Some("GatedRepo"));
    assert_eq!(approved.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_token_is_refused_on_every_route() {
    // Arrange
    let (hub, _sample, _) = hub_with_sample(RepoOptions::default()).await;
    let client = reqwest::Client::new();
    let urls = [
        format!("{}/api/models/{REPO}", hub.url()),
        format!("{}/api/models/{REPO}/tree/main", hub.url()),
        format!("{}/{REPO}/resolve/main/config.json", hub.url()),
        format!("{}/api/whoami-v2", hub.url()),
    ];

    for url in urls {
        // Act
        let response = client.get(&url).bearer_auth("hf_bogus").send().await.expect("request");

        // Assert
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{url}");
        assert_eq!(
            header(&response, "x-error-message"),
            Some("Invalid credentials in Authorization header")
        );
        assert!(header(&response, "x-error-code").is_none(), "{url}");
    }
}

#[tokio::test]
async fn dropping_the_hub_stops_the_server() {
    // Arrange
    let hub = FakeHub::start().await;
    let url = format!("{}/api/models/org/any", hub.url());
    assert_eq!(get(url.clone()).await.status(), StatusCode::UNAUTHORIZED);

    // Act
    hub.shutdown();

    // Assert
    assert!(reqwest::get(url).await.is_err());
}
