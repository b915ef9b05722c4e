//! Timestamps the way AWS Step Functions accepts them.
//!
//! The Amazon States Language takes timestamps in the RFC 3339 profile of ISO 8601, with an
//! upper-case `T` between the date and the time and an upper-case `Z` when there is no numeric
//! offset: `2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123456789+01:00`. AWS refuses anything
//! else: a space instead of `T`, a missing zone, an impossible date or time
//! (`2016-13-05`, `25:29:29`).
//!
//! [`parse_timestamp`] checks the exact shape itself before building the value, because chrono's
//! own RFC 3339 parser is more lenient (it accepts a lower-case `t` or `z` and a space).
//!
//! The accepted grammar:
//!
//! ```text
//! YYYY-MM-DD 'T' hh:mm:ss [ '.' 1*9DIGIT ] ( 'Z' / ('+' / '-') hh:mm )
//! ```
//!
//! * the date must exist in the proleptic Gregorian calendar (`2023-02-29` does not);
//! * hours 00 to 23, minutes and seconds 00 to 59 (no leap second `60`, no `24:00`);
//! * fractional seconds have 1 to 9 digits (nanosecond precision);
//! * an offset lies within ±18:00, the range AWS's Java runtime can represent.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};

/// A parsed timestamp: a date and time with the offset it was written with.
///
/// Comparisons (`==`, `<`, ...) compare instants, whatever the offsets:
/// `2012-10-09T20:00:55+01:00` equals `2012-10-09T19:00:55Z`.
pub type Timestamp = DateTime<FixedOffset>;

/// Parses a timestamp the way AWS accepts it (see the [module documentation](self)).
/// Returns `None` when `text` is not such a timestamp.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let year = digits(b, 0, 4)?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2)?;
    expect(b, 10, b'T')?;
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b':')?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b':')?;
    let second = digits(b, 17, 2)?;
    let mut i = 19;

    let mut nanos = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let len = i - start;
        if len == 0 || len > 9 {
            return None;
        }
        nanos = digits(b, start, len)? * 10u32.pow(9 - len as u32);
    }

    let offset_seconds = match b.get(i)? {
        b'Z' => {
            i += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let hours = digits(b, i + 1, 2)?;
            expect(b, i + 3, b':')?;
            let minutes = digits(b, i + 4, 2)?;
            i += 6;
            if minutes > 59 || hours * 60 + minutes > 18 * 60 {
                return None;
            }
            let seconds = ((hours * 60 + minutes) * 60) as i32;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    if i != b.len() {
        return None;
    }

    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset.from_local_datetime(&date.and_time(time)).single()
}

/// True when `text` is a timestamp AWS accepts (Choice's `IsTimestamp`).
pub fn is_timestamp(text: &str) -> bool {
    parse_timestamp(text).is_some()
}

/// The unsigned decimal number written with exactly `len` ASCII digits at `start`.
fn digits(b: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = b.get(start..start.checked_add(len)?)?;
    slice.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn expect(b: &[u8], at: usize, byte: u8) -> Option<()> {
    (b.get(at) == Some(&byte)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> i64 {
        parse_timestamp(text)
            .unwrap_or_else(|| panic!("{text} should parse"))
            .timestamp_nanos_opt()
            .unwrap()
    }

    #[test]
    fn accepts_utc_and_offsets() {
        assert_eq!(nanos("1970-01-01T00:00:00Z"), 0);
        assert_eq!(nanos("1970-01-01T01:00:00+01:00"), 0);
        assert_eq!(nanos("1969-12-31T23:30:00-00:30"), 0);
        assert_eq!(nanos("1970-01-01T00:00:00-00:00"), 0);
        assert_eq!(nanos("1970-01-01T00:00:00+00:00"), 0);
        let t = parse_timestamp("2012-10-09T19:00:55+01:00").unwrap();
        assert_eq!(t.offset().local_minus_utc(), 3600);
        assert_eq!(t, parse_timestamp("2012-10-09T18:00:55Z").unwrap());
        assert_eq!(nanos("1970-01-01T18:00:00+18:00"), 0);
        assert_eq!(nanos("1969-12-31T06:00:00-18:00"), 0);
    }

    #[test]
    fn accepts_fractional_seconds_up_to_nanoseconds() {
        assert_eq!(nanos("1970-01-01T00:00:00.5Z"), 500_000_000);
        assert_eq!(nanos("1970-01-01T00:00:00.000000001Z"), 1);
        assert_eq!(nanos("1970-01-01T00:00:00.123456789Z"), 123_456_789);
        assert_eq!(nanos("1970-01-01T00:00:00.120Z"), 120_000_000);
        assert!(parse_timestamp("2016-03-05T21:29:29.243167252Z").is_some());
        // Ten digits is beyond nanoseconds.
        assert!(parse_timestamp("1970-01-01T00:00:00.1234567891Z").is_none());
        // A decimal point needs at least one digit.
        assert!(parse_timestamp("1970-01-01T00:00:00.Z").is_none());
    }

    #[test]
    fn accepts_valid_calendar_dates() {
        assert!(is_timestamp("2024-02-29T00:00:00Z"));
        assert!(is_timestamp("2000-02-29T00:00:00Z"));
        assert!(is_timestamp("0001-01-01T00:00:00Z"));
        assert!(is_timestamp("9999-12-31T23:59:59.999999999Z"));
        assert!(is_timestamp("2016-12-31T23:59:59Z"));
    }

    #[test]
    fn rejects_other_shapes() {
        for text in [
            "",
            " ",
            "HelloWorld",
            "2023-02-24",
            "2012-10-09T19:00:55",        // no zone
            "2016-12-05 21:29:29Z",       // space instead of T
            "2016-12-05t21:29:29Z",       // lower-case t
            "2016-12-05T21:29:29z",       // lower-case z
            "2023-02-24 12:15:56.832957", // Python's str(datetime)
            "05-12-2016T21:29:29Z",       // day first
            "2016-12-05T21:29Z",          // no seconds
            "2016-12-05T21:29:29+0100",   // offset without colon
            "2016-12-05T21:29:29+01",     // offset without minutes
            "2016-12-05T21:29:29+1:00",   // one-digit offset hour
            "2016-12-05T21:29:29ZZ",      // trailing text
            "2016-12-05T21:29:29Z ",      // trailing space
            " 2016-12-05T21:29:29Z",      // leading space
            "2016-1-05T21:29:29Z",        // one-digit month
            "16-12-05T21:29:29Z",         // two-digit year
            "+2016-12-05T21:29:29Z",      // signed year
            "2016-12-05T21:29:29.12a4Z",  // junk in the fraction
            "2016-12-05T21:29:29,5Z",     // comma as decimal sign
            "2016-12-05T2１:29:29Z",      // non-ASCII digit
            "2016-12-05T21:29:29UTC",     // zone name
            "2016-12-05T21:29:29+19:00",  // beyond ±18:00
            "2016-12-05T21:29:29+18:01",  // beyond ±18:00
            "2016-12-05T21:29:29+01:60",  // offset minutes
        ] {
            assert!(parse_timestamp(text).is_none(), "{text:?} should not parse");
        }
    }

    #[test]
    fn rejects_impossible_dates_and_times() {
        for text in [
            "2016-13-05T21:29:29Z",
            "2016-00-05T21:29:29Z",
            "2016-12-00T21:29:29Z",
            "2016-12-32T21:29:29Z",
            "2016-04-31T21:29:29Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2016-12-05T25:29:29Z",
            "2016-12-05T24:00:00Z",
            "2016-12-05T21:60:29Z",
            "2016-12-05T21:29:60Z",
            "2016-12-31T23:59:60Z",
        ] {
            assert!(parse_timestamp(text).is_none(), "{text:?} should not parse");
        }
    }

    #[test]
    fn compares_instants() {
        let a = parse_timestamp("2012-10-09T19:00:55Z").unwrap();
        let b = parse_timestamp("2012-10-09T19:00:56Z").unwrap();
        let c = parse_timestamp("2012-10-09T19:00:55.000000001Z").unwrap();
        let d = parse_timestamp("2012-10-09T21:00:55+02:00").unwrap();
        assert!(a < b);
        assert!(a < c && c < b);
        assert_eq!(a, d);
        assert!(d < b);
    }
}
