//! The launcher's control API, for browser cases that change the services under the page.
//!
//! - `GET /`: the same JSON the launcher printed.
//! - `POST /gateway/stop`, `POST /gateway/start`: stop the gateway, then start it again on the same port (the
//!   socket cut and restored). Start answers once the new gateway sees live workers.
//! - `POST /keyed-gateway/start`, `POST /keyed-gateway/stop`: a second gateway with `MILLM_API_KEY` set, on the
//!   same database and namespace, so it lists the same models; start answers `{"url", "api_key"}`.
//!
//! Every route answers `{"ok": true, …}` or `{"ok": false, "error": "…"}` with a 4xx/5xx status.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::services::{Service, Settings, free_port, wait_healthy};

/// The key the keyed gateway asks for.
pub const API_KEY: &str = "e2e-api-key-3f9c2a";

const START_WITHIN: Duration = Duration::from_secs(90);
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The run's children.
pub struct Supervisor {
    settings: Settings,
    http: reqwest::Client,
    pub gateway_port: u16,
    gateway: Option<Service>,
    keyed: Option<(Service, String)>,
    workers: Vec<Service>,
}

impl Supervisor {
    /// Starts the gateway (which migrates the database), then the workers, and waits until all are live.
    pub async fn start(settings: Settings) -> Result<Supervisor, String> {
        let gateway_port = free_port()?;
        let mut supervisor = Supervisor {
            http: reqwest::Client::new(),
            gateway: Some(settings.gateway(gateway_port, None)?),
            settings,
            gateway_port,
            keyed: None,
            workers: Vec::new(),
        };
        // Workers connect to the migrated database; give the gateway a head start.
        supervisor.wait_answering().await?;
        supervisor.workers.push(supervisor.settings.downloader()?);
        supervisor.workers.push(supervisor.settings.gpu_worker()?);
        supervisor.wait_gateway().await?;
        Ok(supervisor)
    }

    pub fn gateway_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.gateway_port)
    }

    async fn wait_answering(&mut self) -> Result<(), String> {
        let url = format!("{}/api/health", self.gateway_url());
        for _ in 0..300 {
            if self.http.get(&url).send().await.is_ok() {
                return Ok(());
            }
            if let Some(gateway) = self.gateway.as_mut()
                && gateway.exited().is_some()
            {
                return Err(format!("the gateway exited at start; see {}", gateway.log.display()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("{url} never answered"))
    }

    async fn wait_gateway(&mut self) -> Result<(), String> {
        let base = self.gateway_url();
        let mut watched: Vec<&mut Service> = self.gateway.iter_mut().chain(self.workers.iter_mut()).collect();
        wait_healthy(&self.http, &base, &mut watched, START_WITHIN).await
    }

    async fn stop_gateway(&mut self) -> Result<Value, String> {
        let mut gateway = self.gateway.take().ok_or("the gateway is not running")?;
        gateway.stop(STOP_GRACE).await;
        Ok(json!({}))
    }

    async fn start_gateway(&mut self) -> Result<Value, String> {
        if self.gateway.is_some() {
            return Err("the gateway is already running".into());
        }
        self.gateway = Some(self.settings.gateway(self.gateway_port, None)?);
        if let Err(error) = self.wait_gateway().await {
            if let Some(mut gateway) = self.gateway.take() {
                gateway.stop(STOP_GRACE).await;
            }
            return Err(error);
        }
        Ok(json!({ "url": self.gateway_url() }))
    }

    async fn start_keyed(&mut self) -> Result<Value, String> {
        if let Some((_, url)) = &self.keyed {
            return Ok(json!({ "url": url, "api_key": API_KEY }));
        }
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}");
        let mut keyed = self.settings.gateway(port, Some(API_KEY))?;
        let mut watched: Vec<&mut Service> = vec![&mut keyed];
        watched.extend(self.workers.iter_mut());
        if let Err(error) = wait_healthy(&self.http, &url, &mut watched, START_WITHIN).await {
            keyed.stop(STOP_GRACE).await;
            return Err(error);
        }
        self.keyed = Some((keyed, url.clone()));
        Ok(json!({ "url": url, "api_key": API_KEY }))
    }

    async fn stop_keyed(&mut self) -> Result<Value, String> {
        let (mut keyed, _) = self.keyed.take().ok_or("the keyed gateway is not running")?;
        keyed.stop(STOP_GRACE).await;
        Ok(json!({}))
    }

    /// A child that died on its own, if any: the run is then no longer what the suite expects.
    pub fn casualty(&mut self) -> Option<String> {
        let mut all = self
            .gateway
            .iter_mut()
            .chain(self.keyed.iter_mut().map(|(s, _)| s))
            .chain(self.workers.iter_mut());
        all.find_map(|s| {
            s.exited()
                .map(|status| format!("{} exited ({status}); see {}", s.name, s.log.display()))
        })
    }

    /// Gateways first, so that no request reaches a worker that is going away.
    pub async fn stop_all(&mut self) {
        if let Some((mut keyed, _)) = self.keyed.take() {
            keyed.stop(STOP_GRACE).await;
        }
        if let Some(mut gateway) = self.gateway.take() {
            gateway.stop(STOP_GRACE).await;
        }
        for worker in &mut self.workers {
            worker.stop(STOP_GRACE).await;
        }
    }
}

#[derive(Clone)]
struct Control {
    supervisor: Arc<Mutex<Supervisor>>,
    summary: Arc<Value>,
}

/// The control routes over `supervisor`; `summary` is what `GET /` answers.
pub fn router(supervisor: Arc<Mutex<Supervisor>>, summary: Value) -> Router {
    let state = Control {
        supervisor,
        summary: Arc::new(summary),
    };
    Router::new()
        .route(
            "/",
            get(|State(c): State<Control>| async move { Json(Value::clone(&c.summary)) }),
        )
        .route(
            "/gateway/stop",
            post(|State(c): State<Control>| act(c, Action::StopGateway)),
        )
        .route(
            "/gateway/start",
            post(|State(c): State<Control>| act(c, Action::StartGateway)),
        )
        .route(
            "/keyed-gateway/start",
            post(|State(c): State<Control>| act(c, Action::StartKeyed)),
        )
        .route(
            "/keyed-gateway/stop",
            post(|State(c): State<Control>| act(c, Action::StopKeyed)),
        )
        .with_state(state)
}

enum Action {
    StopGateway,
    StartGateway,
    StartKeyed,
    StopKeyed,
}

/// One action at a time: the lock is held until the children are where the action leaves them.
async fn act(control: Control, action: Action) -> Response {
    let mut supervisor = control.supervisor.lock().await;
    let result = match action {
        Action::StopGateway => supervisor.stop_gateway().await,
        Action::StartGateway => supervisor.start_gateway().await,
        Action::StartKeyed => supervisor.start_keyed().await,
        Action::StopKeyed => supervisor.stop_keyed().await,
    };
    match result {
        Ok(Value::Object(mut body)) => {
            body.insert("ok".into(), true.into());
            Json(Value::Object(body)).into_response()
        }
        Ok(other) => Json(json!({ "ok": true, "result": other })).into_response(),
        Err(error) => (StatusCode::CONFLICT, Json(json!({ "ok": false, "error": error }))).into_response(),
    }
}
