//! Where text goes and how it looks. Results go to stdout; progress, questions and errors go
//! to stderr, so that `--json` output stays parseable while a pull shows its progress.
//!
//! Bars and colour need a terminal and no `NO_COLOR` (any non-empty value, as no-color.org
//! says); otherwise progress is plain lines, at most one a second.

use std::io::{BufRead, IsTerminal, Write};

use comfy_table::{CellAlignment, Table, presets};
use serde_json::Value;

use crate::error::CliError;

pub struct Output {
    /// `--json`: print the API's `data` and nothing else on stdout.
    pub json: bool,
    /// stderr is a terminal and NO_COLOR is unset: bars and colour.
    pub fancy: bool,
    /// stdin and stderr are terminals: we may ask a question and wait for the answer.
    pub interactive: bool,
}

impl Output {
    pub fn detect(json: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stderr_tty = std::io::stderr().is_terminal();
        let fancy = stderr_tty && !no_color;
        console::set_colors_enabled(fancy && std::io::stdout().is_terminal());
        console::set_colors_enabled_stderr(fancy);
        Self {
            json,
            fancy,
            interactive: stderr_tty && std::io::stdin().is_terminal(),
        }
    }

    /// `--json`'s output: the API's `data`, pretty-printed.
    pub fn data(&self, data: &Value) {
        let text = serde_json::to_string_pretty(data).unwrap_or_else(|_| "null".to_owned());
        println!("{text}");
    }

    /// A table without borders (like `docker ps`), easy to read and to `grep`.
    pub fn table(&self, header: &[&str], right_aligned: &[usize]) -> Table {
        let mut table = Table::new();
        table.load_preset(presets::NOTHING);
        if console::colors_enabled() {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        for &index in right_aligned {
            if let Some(column) = table.column_mut(index) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        table
    }

    /// Prints a table built by [`Output::table`], trimming the preset's leading space.
    pub fn print_table(&self, table: &Table) {
        for line in table.to_string().lines() {
            println!("{}", line.strip_prefix(' ').unwrap_or(line).trim_end());
        }
    }

    /// A yes/no question on stderr; the answer is read from stdin. `No` unless it starts with y.
    pub async fn confirm(&self, question: &str) -> bool {
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let answer = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        })
        .await;
        matches!(answer, Ok(Ok(line)) if line.trim().to_ascii_lowercase().starts_with('y'))
    }

    /// Refuses to ask when nobody can answer: a script must say `-y` itself.
    pub fn require_interactive(&self, what: &str) -> Result<(), CliError> {
        if self.interactive {
            Ok(())
        } else {
            Err(CliError::Usage(format!(
                "{what} needs a confirmation, and stdin is not a terminal: pass -y"
            )))
        }
    }
}

/// A status word in colour (when colour is on).
pub fn status_word(status: &str) -> String {
    let styled = console::style(status);
    match status {
        "ready" | "ok" | "closed" => styled.green(),
        "loaded" | "loading" | "downloading" | "half_open" => styled.cyan(),
        "error" | "down" | "open" | "degraded" => styled.red(),
        _ => styled,
    }
    .to_string()
}
