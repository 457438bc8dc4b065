//! Reading a service's `/metrics` in tests: a free port to give it, and the text format parsed
//! into samples that a test can compare before and after an action.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A port nobody listens on now, for a child process's `METRICS_PORT`.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One scrape: each sample by its name and labels, as `name{a="1",b="2"}`.
#[derive(Debug, Clone, Default)]
pub struct Scrape(BTreeMap<String, f64>);

impl Scrape {
    /// The sample `name` whose labels include every one of `labels`, summed over the rest
    /// (so `millm_jobs_total` with `queue=download` adds up every outcome); 0 when none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|(key, _)| {
                let (sample, rest) = key.split_once('{').unwrap_or((key, "}"));
                sample == name && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
            })
            .map(|(_, value)| value)
            .sum()
    }

    fn parse(text: &str) -> Scrape {
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| {
                let (key, value) = line.rsplit_once(' ')?;
                Some((key.to_owned(), value.parse().ok()?))
            })
            .collect();
        Scrape(samples)
    }
}

/// Scrapes `http://127.0.0.1:{port}/metrics`, waiting up to 30 s for the port to answer.
pub async fn scrape(port: u16) -> Scrape {
    let url = format!("http://127.0.0.1:{port}/metrics");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match reqwest::get(&url).await {
            Ok(response) if response.status().is_success() => {
                return Scrape::parse(&response.text().await.expect("metrics text"));
            }
            _ => {
                assert!(Instant::now() < deadline, "{url} never answered");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Scrapes until `done` holds or `within` has passed, and returns the last scrape: a job's
/// counters move just after its record settles.
pub async fn scrape_until(port: u16, within: Duration, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + within;
    loop {
        let now = scrape(port).await;
        if done(&now) || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_found_by_name_and_a_subset_of_their_labels() {
        let scrape = Scrape::parse(
            "# TYPE millm_jobs_total counter\nmillm_jobs_total{queue=\"download\",outcome=\"completed\"} 2\n\
             millm_jobs_total{queue=\"download\",outcome=\"failed\"} 1\nmillm_jobs_total{queue=\"load\",outcome=\"completed\"} 5\n\
             millm_download_bytes_total 1024\n",
        );

        assert_eq!(scrape.value("millm_jobs_total", &[("queue", "download")]), 3.0);
        assert_eq!(
            scrape.value("millm_jobs_total", &[("queue", "load"), ("outcome", "completed")]),
            5.0
        );
        assert_eq!(scrape.value("millm_download_bytes_total", &[]), 1024.0);
        assert_eq!(scrape.value("millm_missing", &[]), 0.0);
    }
}
