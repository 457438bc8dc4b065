//! One live bar (on a terminal) or plain lines (otherwise) for a download or a load.
//!
//! The shown percent never goes back: events and polls can arrive out of order, and a pull that
//! attaches late starts from the record's current percent. Plain lines come at most once a second,
//! and the last one is always written, so a log ends at 100 when the download ends.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use millm_contract::events::DownloadProgress;

use crate::format;

const LINE_EVERY: Duration = Duration::from_secs(1);

pub struct Display {
    bar: Option<ProgressBar>,
    label: String,
    shown: f64,
    /// What follows the percent: speed, ETA, files, bytes (downloads) or the stage (loads).
    detail: String,
    last_line: Option<Instant>,
    last_text: String,
}

impl Display {
    pub fn new(fancy: bool, label: &str) -> Self {
        let bar = fancy.then(|| {
            let bar = ProgressBar::new(1000);
            let style = ProgressStyle::with_template("{prefix:.bold} [{bar:32.cyan/blue}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_owned());
            bar
        });
        Self {
            bar,
            label: label.to_owned(),
            shown: 0.0,
            detail: String::new(),
            last_line: None,
            last_text: String::new(),
        }
    }

    /// A download progress event: every figure the issue asks for.
    pub fn download(&mut self, p: &DownloadProgress) {
        self.detail = format!(
            "{}  ETA {}  files {}/{}  {} / {}",
            format::speed(p.speed_mbps),
            format::eta(p.eta_seconds),
            p.files_done,
            p.files_total,
            format::bytes(p.bytes_downloaded),
            format::bytes(p.total_bytes),
        );
        self.set(p.progress, false);
    }

    /// A load stage and its percent.
    pub fn stage(&mut self, stage: &str, percent: f64) {
        let changed = !self.detail.starts_with(stage);
        self.detail = stage.to_owned();
        self.set(percent, changed);
    }

    /// A percent alone (from a poll of the record), keeping the last event's figures.
    pub fn percent(&mut self, percent: f64) {
        self.set(percent, false);
    }

    fn set(&mut self, percent: f64, force_line: bool) {
        self.shown = self.shown.max(format::floor_tenth(percent));
        self.draw(force_line);
    }

    fn text(&self) -> String {
        format!("{:>6}  {}", format::percent(self.shown), self.detail)
            .trim_end()
            .to_owned()
    }

    fn draw(&mut self, force_line: bool) {
        let text = self.text();
        if let Some(bar) = &self.bar {
            bar.set_position((self.shown * 10.0) as u64);
            bar.set_message(text);
            return;
        }
        let due = self.last_line.is_none_or(|at| at.elapsed() >= LINE_EVERY);
        if (due || force_line) && text != self.last_text {
            eprintln!("{}: {text}", self.label);
            self.last_line = Some(Instant::now());
            self.last_text = text;
        }
    }

    /// The end of a successful transfer: 100 %, and a last line even if one was just written.
    pub fn finish(&mut self, detail: &str) {
        self.shown = 100.0;
        self.detail = detail.to_owned();
        let text = self.text();
        match &self.bar {
            Some(bar) => {
                bar.set_position(1000);
                bar.finish_with_message(text);
            }
            None => {
                eprintln!("{}: {text}", self.label);
                self.last_text = text;
            }
        }
    }

    /// Stops drawing at the current percent (an error, an interruption).
    pub fn abandon(&mut self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_percent_never_goes_back() {
        let mut display = Display::new(false, "m");
        display.percent(40.0);
        display.percent(12.0);
        assert_eq!(display.shown, 40.0);
        display.percent(41.97);
        assert_eq!(display.shown, 41.9);
        display.finish("done");
        assert_eq!(display.shown, 100.0);
    }
}
