//! Worker events on NATS reach Socket.IO `/progress` clients unchanged, except that download progress never goes back.

use millm_contract::events::{DownloadProgress, Event};
use serde_json::json;
use std::time::Duration;

use crate::common::{TestApp, spawn_app, spawn_app_with, tiny_repo};
use millm_test_support::socket::{Listener, listen};

fn progress(model_id: i64, percent: f64) -> Event {
    Event::DownloadProgress(DownloadProgress {
        model_id,
        progress: percent,
        bytes_downloaded: 419,
        total_bytes: 1000,
        speed_mbps: 12.5,
        eta_seconds: Some(3.4),
        files_done: 2,
        files_total: 5,
    })
}

async fn publish(app: &TestApp, event: &Event) {
    let subject = app.names.event_subject(event);
    app.nats
        .publish(subject, serde_json::to_vec(event).unwrap().into())
        .await
        .unwrap();
    app.nats.flush().await.unwrap();
}

/// Publishes until the listener hears it: the socket may still be joining the namespace.
async fn publish_until_heard(app: &TestApp, listener: &mut Listener, event: &Event) -> Option<serde_json::Value> {
    for _ in 0..40 {
        publish(app, event).await;
        if let Some(data) = listener.next_named(event.name(), Duration::from_millis(250)).await {
            return Some(data);
        }
    }
    None
}

#[tokio::test]
async fn a_progress_event_on_nats_reaches_a_socket_client_with_its_payload() {
    let app = spawn_app().await;
    let mut listener = listen(&app.address, None).await;

    let data = publish_until_heard(&app, &mut listener, &progress(7, 41.9)).await;

    assert_eq!(
        data.expect("event relayed"),
        json!({"model_id": 7, "progress": 41.9, "bytes_downloaded": 419, "total_bytes": 1000,
               "speed_mbps": 12.5, "eta_seconds": 3.4, "files_done": 2, "files_total": 5})
    );
}

#[tokio::test]
async fn with_two_gateways_on_one_namespace_each_relays_every_event_to_its_own_sockets() {
    // Arrange: a second replica on the same database and namespace, a socket on each.
    let app = spawn_app().await;
    let second = millm_test_support::gateway::start(&app.config).await;
    let mut first_socket = listen(&app.address, None).await;
    let mut second_socket = listen(&second.address, None).await;
    publish_until_heard(&app, &mut first_socket, &progress(3, 1.0)).await;
    publish_until_heard(&app, &mut second_socket, &progress(3, 2.0)).await;

    // Act: one event, published once.
    publish(&app, &progress(3, 50.0)).await;

    // Assert: both replicas relayed it, each to its socket.
    for socket in [&mut first_socket, &mut second_socket] {
        let mut heard = None;
        while let Some(data) = socket
            .next_named("model:download:progress", Duration::from_secs(5))
            .await
        {
            if data["progress"] == 50.0 {
                heard = Some(data);
                break;
            }
        }
        assert!(heard.is_some(), "a replica did not relay the event");
    }
}

#[tokio::test]
async fn with_an_api_key_only_a_socket_with_the_token_hears_events() {
    let app = spawn_app_with(|c| c.http.millm_api_key = Some(crate::common::secret("sock-key"))).await;
    let mut good = listen(&app.address, Some("sock-key")).await;
    let mut bad = listen(&app.address, Some("wrong")).await;

    let heard = publish_until_heard(&app, &mut good, &progress(1, 5.0)).await;
    publish(&app, &progress(1, 6.0)).await;

    assert!(heard.is_some(), "the authorised socket hears events");
    assert!(
        bad.next_named("model:download:progress", Duration::from_secs(2))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn the_record_shows_the_latest_relayed_progress() {
    let app = spawn_app().await;
    app.publish("org/tiny", &tiny_repo(), millm_test_support::RepoOptions::default());
    let (_, created) = app.register_hub("org/tiny", "FP16").await;
    let id = created["data"]["id"].as_i64().unwrap();
    let mut listener = listen(&app.address, None).await;

    publish_until_heard(&app, &mut listener, &progress(id, 63.5))
        .await
        .expect("relayed");
    let (_, body) = app.get(&format!("/api/models/{id}")).await;

    assert_eq!(body["data"]["download_progress"], 63.5);
}

#[tokio::test]
async fn progress_that_goes_back_after_a_resumed_download_is_held_at_the_last_relayed_figure() {
    // Arrange: a client has seen 60 % of model 9.
    let app = spawn_app().await;
    let mut listener = listen(&app.address, None).await;
    let mut ahead = progress(9, 60.0);
    if let Event::DownloadProgress(p) = &mut ahead {
        p.bytes_downloaded = 600;
        // Tells this event's (possibly repeated) deliveries apart from the later one.
        p.speed_mbps = 99.0;
    }
    publish_until_heard(&app, &mut listener, &ahead)
        .await
        .expect("event relayed");

    // Act: the process that resumes it starts from its resume state, a little behind.
    publish(&app, &progress(9, 41.9)).await;

    // Assert: the later event (its own speed) carries the figures already shown.
    let held = loop {
        let data = listener
            .next_named("model:download:progress", Duration::from_secs(5))
            .await
            .expect("the later event is relayed");
        if data["speed_mbps"] == 12.5 {
            break data;
        }
    };
    assert_eq!(held["progress"], 60.0);
    assert_eq!(held["bytes_downloaded"], 600);
}
