//! Printing results: one row per contender, each ratio against a reference, and each target met or missed.

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

/// How many times faster than `reference` ours is, by throughput (the rows may count different bytes).
pub fn ratio(ours: &Row, reference: &Row) -> f64 {
    ours.mb_s() / reference.mb_s()
}

pub fn print_ratio(label: &str, ours: &Row, reference: &Row) {
    println!("- {label}: {:.2}×", ratio(ours, reference));
}

/// Prints the ratio against its minimum, PASS or MISS; whether it passed.
pub fn print_target(label: &str, ours: &Row, reference: &Row, minimum: f64) -> bool {
    let measured = ratio(ours, reference);
    let pass = measured >= minimum;
    let verdict = if pass { "PASS" } else { "MISS" };
    println!("- target {label} ≥ {minimum}×: {measured:.2}× {verdict}");
    pass
}
