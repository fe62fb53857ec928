//! Graph's timestamp formats, computed from the caller's Unix-epoch milliseconds.

/// (year, month, day, hour, minute, second, millisecond) in UTC.
fn civil(ms: u64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let secs = (ms / 1000) as i64;
    let millis = (ms % 1000) as u32;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
        millis,
    )
}

/// Entitlement management's form, seven fractional digits: `2020-08-21T19:45:33.2040000Z`.
pub(crate) fn em_time(ms: u64) -> String {
    let (y, mo, d, h, mi, s, f) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}0000Z")
}

/// The directory's form, whole seconds: `2020-06-24T16:47:37Z`.
pub(crate) fn dir_time(ms: u64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// The error body's `innerError.date`: no fraction and no zone.
pub(crate) fn error_date(ms: u64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

pub(crate) const DAY_MS: u64 = 86_400_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(em_time(0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(em_time(1_590_836_285_363), "2020-05-30T10:58:05.3630000Z");
        assert_eq!(dir_time(1_593_017_257_000), "2020-06-24T16:47:37Z");
        assert_eq!(error_date(951_782_400_000), "2000-02-29T00:00:00");
    }
}
