//! Printing results: one row per contender, and each ratio against the reference.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub elapsed: Duration,
    pub bytes: u64,
}

impl Row {
    pub fn mb_s(&self) -> f64 {
        crate::mb_per_s(self.bytes, self.elapsed)
    }
}

pub fn print_table(title: &str, rows: &[Row]) {
    println!("\n## {title}");
    println!("| contender | seconds | MB/s |");
    println!("|---|---|---|");
    for row in rows {
        println!(
            "| {} | {:.2} | {:.0} |",
            row.name,
            row.elapsed.as_secs_f64(),
            row.mb_s()
        );
    }
}

pub fn print_ratio(label: &str, ours: &Row, reference: &Row, target: &str) {
    println!("- {label}: {:.2}× (target {target})", ours.mb_s() / reference.mb_s());
}
