//! Units, by the web UI's rules (frontend/src/utils/format.ts): base 1024 everywhere; whole MiB
//! below 1 GiB, then GiB and TiB with one decimal; speeds under 1 MiB/s in KiB/s; a percent
//! floored to one decimal, so that an unfinished download never reads 100 %.

const KIB: f64 = 1024.0;

fn scale(value: f64, units: &[&str]) -> String {
    let mut v = value.max(0.0);
    let mut i = 0;
    while v >= KIB && i < units.len() - 1 {
        v /= KIB;
        i += 1;
    }
    if i == 0 {
        format!("{} {}", v.round(), units[0])
    } else {
        format!("{v:.1} {}", units[i])
    }
}

/// A size in MiB, as the API gives it: `1023 MiB`, `1.0 GiB`, `1.5 TiB`.
pub fn mib(mb: i64) -> String {
    scale(mb as f64, &["MiB", "GiB", "TiB", "PiB"])
}

/// An optional MiB figure; `—` when the API has none.
pub fn mib_or_dash(mb: Option<i64>) -> String {
    mb.map(mib).unwrap_or_else(|| "—".to_owned())
}

/// A byte count, as progress events give it.
pub fn bytes(count: u64) -> String {
    scale(count as f64, &["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
}

/// A speed in MiB/s: `512 KiB/s`, `10.3 MiB/s`, `1.2 GiB/s`. One decimal, rounded half to even
/// (Rust's formatting), where the UI rounds half up: they differ only on exact halves.
pub fn speed(mib_per_second: f64) -> String {
    if !mib_per_second.is_finite() || mib_per_second <= 0.0 {
        "0 KiB/s".to_owned()
    } else if mib_per_second < 1.0 {
        format!("{} KiB/s", (mib_per_second * KIB).round())
    } else if mib_per_second >= KIB {
        format!("{:.1} GiB/s", mib_per_second / KIB)
    } else {
        format!("{mib_per_second:.1} MiB/s")
    }
}

/// Seconds left, shortest readable form; `—` when unknown.
pub fn eta(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "—".to_owned();
    };
    let s = seconds.ceil() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

/// Floors to one decimal within 0–100: the value a progress bar reports.
pub fn floor_tenth(percent: f64) -> f64 {
    if !percent.is_finite() {
        return 0.0;
    }
    (percent.clamp(0.0, 100.0) * 10.0 + 1e-9).floor() / 10.0
}

pub fn percent(value: f64) -> String {
    format!("{:.1}%", floor_tenth(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_mib_below_a_gib_then_gib_with_one_decimal_then_tib() {
        assert_eq!(mib(0), "0 MiB");
        assert_eq!(mib(1023), "1023 MiB");
        assert_eq!(mib(1024), "1.0 GiB");
        assert_eq!(mib(4768), "4.7 GiB");
        assert_eq!(mib(1024 * 1024 * 3 / 2), "1.5 TiB");
        assert_eq!(mib_or_dash(None), "—");
    }

    #[test]
    fn bytes_count_up_from_b() {
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(2_119_237_632), "2.0 GiB");
    }

    #[test]
    fn speeds_below_one_mib_per_second_are_in_kib() {
        assert_eq!(speed(0.5), "512 KiB/s");
        assert_eq!(speed(10.26), "10.3 MiB/s");
        assert_eq!(speed(2048.0), "2.0 GiB/s");
        assert_eq!(speed(0.0), "0 KiB/s");
    }

    #[test]
    fn eta_and_percent_read_like_the_ui() {
        assert_eq!(eta(Some(3.4)), "4 s");
        assert_eq!(eta(Some(125.0)), "2 min 5 s");
        assert_eq!(eta(None), "—");
        assert_eq!(percent(99.99), "99.9%");
        assert_eq!(percent(100.0), "100.0%");
        assert_eq!(percent(-3.0), "0.0%");
    }
}
