//! LFS files through the CDN, as the real hub sends them: a 302 from `resolve` with the file's facts
//! in `X-Linked-*`, then a presigned URL on another host that refuses a hub token and expires.

use millm_test_support::RepoOptions;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, RANGE};

use crate::common::sha256_hex;
use crate::support::{REPO, header, hub_with_sample};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The presigned URL `resolve` sends the sample's LFS file to.
async fn cdn_location(client: &reqwest::Client, hub: &millm_test_support::FakeHub) -> String {
    let redirect = client
        .get(format!("{}/{REPO}/resolve/main/model.safetensors", hub.url()))
        .send()
        .await
        .unwrap();
    header(&redirect, "location").expect("a redirect").to_owned()
}

#[tokio::test]
async fn an_lfs_file_redirects_to_the_cdn_with_its_linked_etag_and_size() {
    // Arrange
    let (hub, sample, commit) = hub_with_sample(RepoOptions::default()).await;
    hub.serve_via_cdn(REPO, true);
    let client = no_redirects();
    let bytes = sample.bytes("model.safetensors");

    // Act
    let redirect = client
        .head(format!("{}/{REPO}/resolve/main/model.safetensors", hub.url()))
        .send()
        .await
        .unwrap();
    let small = client
        .get(format!("{}/{REPO}/resolve/main/config.json", hub.url()))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let sha = format!("\"{}\"", sha256_hex(&bytes));
    assert_eq!(header(&redirect, "x-linked-etag"), Some(sha.as_str()));
    assert_eq!(
        header(&redirect, "x-linked-size"),
        Some(bytes.len().to_string().as_str())
    );
    assert_eq!(header(&redirect, "x-repo-commit"), Some(commit.as_str()));
    assert_ne!(
        header(&redirect, "etag"),
        Some(sha.as_str()),
        "the 302's own ETag is not the sha256"
    );
    let location = header(&redirect, "location").unwrap();
    assert!(location.starts_with("http://127.0.0.2:"), "another host: {location}");
    assert_eq!(small.status(), StatusCode::OK, "small files are served directly");
}

#[tokio::test]
async fn the_cdn_serves_ranges_refuses_a_hub_token_and_counts_apart_from_resolve() {
    // Arrange
    let (hub, sample, _) = hub_with_sample(RepoOptions::default()).await;
    hub.serve_via_cdn(REPO, true);
    let client = no_redirects();
    let bytes = sample.bytes("model.safetensors");
    let location = cdn_location(&client, &hub).await;

    // Act
    let range = client.get(&location).header(RANGE, "bytes=10-19").send().await.unwrap();
    let with_token = client
        .get(&location)
        .header(AUTHORIZATION, "Bearer hf_anything")
        .send()
        .await
        .unwrap();
    let forged = client.get(location.replace("sig=", "sig=0")).send().await.unwrap();

    // Assert
    assert_eq!(range.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(range.bytes().await.unwrap().as_ref(), &bytes[10..20]);
    assert_eq!(with_token.status(), StatusCode::BAD_REQUEST);
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(hub.request_count(REPO, "model.safetensors"), 1, "one resolve");
    assert_eq!(hub.cdn_request_count(REPO, "model.safetensors"), 3);
}

#[tokio::test]
async fn a_presigned_url_is_refused_once_it_expires() {
    // Arrange: URLs that expire within the second they are issued.
    let (hub, _, _) = hub_with_sample(RepoOptions::default()).await;
    hub.serve_via_cdn(REPO, true);
    hub.set_cdn_url_ttl(std::time::Duration::ZERO);
    let client = no_redirects();
    let location = cdn_location(&client, &hub).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    // Act
    let expired = client.get(&location).send().await.unwrap();

    // Assert
    assert_eq!(expired.status(), StatusCode::FORBIDDEN);
}
