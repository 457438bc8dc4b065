//! Every name the services meet on: NATS subjects and Redis queue names.
//!
//! All live under `MILLM_NAMESPACE`, so tests (and deployments) sharing one NATS server and
//! one Redis never hear each other. Subjects are lowercase, dot-separated, ids last.

use crate::events::Event;

/// The namespace's names; cheap to clone and pass around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    ns: String,
}

/// The two kinds of worker that send heartbeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkerKind {
    Downloader,
    GpuWorker,
}

impl WorkerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerKind::Downloader => "downloader",
            WorkerKind::GpuWorker => "gpu_worker",
        }
    }
}

impl Names {
    pub fn new(namespace: impl Into<String>) -> Self {
        Self { ns: namespace.into() }
    }

    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// Where an event is published: `{ns}.events.model.download.progress.7`.
    pub fn event_subject(&self, event: &Event) -> String {
        let kind = event.name().replace(':', ".");
        match event.model_id() {
            Some(id) => format!("{}.events.{kind}.{id}", self.ns),
            None => format!("{}.events.{kind}", self.ns),
        }
    }

    /// What the gateway subscribes to for relaying.
    pub fn events_wildcard(&self) -> String {
        format!("{}.events.>", self.ns)
    }

    pub fn download_cancel(&self, model_id: i64) -> String {
        format!("{}.control.download.cancel.{model_id}", self.ns)
    }

    pub fn download_cancel_wildcard(&self) -> String {
        format!("{}.control.download.cancel.*", self.ns)
    }

    pub fn heartbeat(&self, kind: WorkerKind, worker_id: &str) -> String {
        format!("{}.heartbeat.{}.{worker_id}", self.ns, kind.as_str())
    }

    pub fn heartbeat_wildcard(&self) -> String {
        format!("{}.heartbeat.>", self.ns)
    }

    /// Request/reply: the GPU worker's current state.
    pub fn gpu_status(&self) -> String {
        format!("{}.control.gpu.status", self.ns)
    }

    /// Request/reply: unload (or abort the load of) a model.
    pub fn gpu_unload(&self) -> String {
        format!("{}.control.gpu.unload", self.ns)
    }

    /// apalis queue of download jobs.
    pub fn download_queue(&self) -> String {
        format!("{}:download", self.ns)
    }

    /// apalis queue of load jobs.
    pub fn load_queue(&self) -> String {
        format!("{}:load", self.ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::ModelOnly;

    #[test]
    fn subjects_are_namespaced_with_the_id_last() {
        let names = Names::new("t1");
        let event = Event::UnloadComplete(ModelOnly { model_id: 7 });
        assert_eq!(names.event_subject(&event), "t1.events.model.unload.complete.7");
        assert_eq!(names.download_cancel(3), "t1.control.download.cancel.3");
        assert_eq!(names.heartbeat(WorkerKind::GpuWorker, "w"), "t1.heartbeat.gpu_worker.w");
        assert_eq!(names.download_queue(), "t1:download");
    }
}
