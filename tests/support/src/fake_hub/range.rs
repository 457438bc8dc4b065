//! `Range` header parsing for single byte ranges, the only form download clients send.

/// The outcome of reading a `Range` header against a file of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// No usable range: send the whole file with 200.
    Full,
    /// Send bytes `start..=end` with 206.
    Partial { start: u64, end: u64 },
    /// The range starts past the end of the file: 416.
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`. An end past the file is clamped, as clients ask for fixed-size
/// chunks without knowing where the file ends. Malformed or multi-range headers are ignored (RFC 9110 allows it).
pub(crate) fn parse_range(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // Suffix range: the last n bytes.
        return match last.parse::<u64>() {
            Ok(0) => RangeRequest::Unsatisfiable,
            Ok(_) if size == 0 => RangeRequest::Unsatisfiable,
            Ok(n) => RangeRequest::Partial {
                start: size.saturating_sub(n),
                end: size - 1,
            },
            Err(_) => RangeRequest::Full,
        };
    }
    let Ok(start) = first.parse::<u64>() else {
        return RangeRequest::Full;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match last.parse::<u64>() {
            Ok(end) if end >= start => end,
            _ => return RangeRequest::Full,
        }
    };
    if start >= size {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Partial {
        start,
        end: end.min(size - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_past_the_file_is_clamped() {
        assert_eq!(
            parse_range(Some("bytes=5-100"), 10),
            RangeRequest::Partial { start: 5, end: 9 }
        );
    }

    #[test]
    fn open_and_suffix_ranges_reach_the_end() {
        assert_eq!(
            parse_range(Some("bytes=3-"), 10),
            RangeRequest::Partial { start: 3, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-4"), 10),
            RangeRequest::Partial { start: 6, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-40"), 10),
            RangeRequest::Partial { start: 0, end: 9 }
        );
    }

    #[test]
    fn a_start_past_the_file_is_unsatisfiable() {
        assert_eq!(parse_range(Some("bytes=10-20"), 10), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), RangeRequest::Unsatisfiable);
    }

    #[test]
    fn malformed_and_multi_ranges_mean_the_whole_file() {
        for header in ["bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=5-2", "bytes"] {
            assert_eq!(parse_range(Some(header), 10), RangeRequest::Full, "{header}");
        }
        assert_eq!(parse_range(None, 10), RangeRequest::Full);
    }
}
