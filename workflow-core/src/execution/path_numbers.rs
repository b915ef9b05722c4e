//! The numbers that the `...Path` fields select at run time: Wait's `SecondsPath`, Task's
//! `TimeoutSecondsPath` and `HeartbeatSecondsPath`, Map's `MaxConcurrencyPath`,
//! `ToleratedFailureCountPath` and `ToleratedFailurePercentagePath`. The path may point into
//! the state input (`$.n`), at a variable (`$n`) or into the context object (`$$.Execution.Input.n`);
//! what it selects is checked the same way, and a value the field cannot take is a
//! `States.Runtime` error whose cause is AWS's sentence for that field.
//!
//! What the AWS-recorded corpus shows (`tests/conformance/cases`), and the pattern read from it:
//!
//! * AWS reads each value as a Java type and names that type when it cannot:
//!   `SecondsPath` as a `long` ("The SecondsPath parameter cannot be parsed as a long value:
//!   $.input.waitSeconds == -1.5", `wait/base_wait_seconds_path_minus1_5`), `MaxConcurrencyPath`
//!   and `ToleratedFailureCountPath` as an integer ("The MaxConcurrencyPath field refers to
//!   value \"NoNumber\" which is not a valid integer: $.MaxConcurrencyValue",
//!   `io_processing/max_concurrency_path_nonumber`; the same for `{}`,
//!   `error_handling/map_state_tolerated_failure_count_path_tolerated_failure_count_value0`),
//!   `ToleratedFailurePercentagePath` as a float ("... which is not a valid float: ...",
//!   `error_handling/map_state_tolerated_failure_percentage_path_nonumber`).
//! * A value of the right type then has its range checked, with a sentence of its own that
//!   names the field without `Path`: "ToleratedFailurePercentage must be between 0 and 100."
//!   for -1, -1.1 and 100.1 (`..._percentage_path_minus1`, `_minus1_1`, `_100_1`); 0 and 1
//!   pass (`_0`, `_1`), as do 0 and 1 for the others (`..._count_path_0`,
//!   `max_concurrency_path_0`/`_1`, `base_wait_seconds_path_0`/`_1`; `SecondsPath` from a
//!   variable: `assign_variables/reference_assign_base_reference_in_wait`).
//! * A value is shown as Jackson shows it: a string bare, anything else as JSON, a number
//!   with a fraction or an exponent as Java's `Double.toString` (`5.0`, `1.0E21`).
//!
//! Extended to the cases the corpus does not record (AWS's documentation gives the rules, the
//! sentences follow the pattern above):
//!
//! * An integer is a JSON number written without fraction or exponent: `5.0` and `5e0` are
//!   Java doubles, so they are not integers, and a numeric string (`"5"`) is a string. The
//!   range of the Java type is AWS's API type for the field: `MaxConcurrency` is an `Integer`
//!   (32 bits; `UpdateMapRun`), `ToleratedFailureCount`, `timeoutInSeconds` and
//!   `heartbeatInSeconds` are `Long`s (`UpdateMapRun`, `TaskScheduledEventDetails`).
//!   Beyond it the value is "not a valid integer" (for `SecondsPath`, cannot be parsed as a
//!   long).
//! * `TimeoutSecondsPath` and `HeartbeatSecondsPath` "must select a field whose value is a
//!   positive integer" (the Task state's documentation): 0 and negative values are "not a
//!   positive integer". `MaxConcurrencyPath` and `ToleratedFailureCountPath` select "a
//!   non-negative integer": a negative one is not a valid one. `SecondsPath` must not be
//!   negative either (Wait's `Seconds` is "an integer value from 0 to 99999999"); a negative
//!   value gets its field's only sentence.
//! * Upper bounds: AWS documents 99999999 for the literal `Seconds`, `TimeoutSeconds` and
//!   `HeartbeatSeconds` (checked when the definition is validated); for a value read from a
//!   path it documents none, and the execution's own time limit (a year, or EXPRESS's five
//!   minutes) ends a longer wait. A percentage is read as a Java `float` before its range is
//!   checked, as AWS's `float` says (`UpdateMapRun`'s `toleratedFailurePercentage` is a
//!   `Float`): 100.00000001 is the float 100 and passes.
//! * `HeartbeatSecondsPath` not below the timeout is not refused at run time (the rule
//!   "HeartbeatSeconds must be smaller than TimeoutSeconds" is a definition check): whichever
//!   limit comes first ends the task, and when both come at once the task times out.

use serde_json::Value;

use super::states::shown;

/// A whole-number field that a `...Path` field may give instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntegerField {
    /// Wait's `SecondsPath`: a Java `long`, not negative.
    Seconds,
    /// Task's `TimeoutSecondsPath`: a `long`, positive.
    TimeoutSeconds,
    /// Task's `HeartbeatSecondsPath`: a `long`, positive.
    HeartbeatSeconds,
    /// Map's `MaxConcurrencyPath`: an `int`, not negative (0: no limit).
    MaxConcurrency,
    /// Map's `ToleratedFailureCountPath`: a `long`, not negative.
    ToleratedFailureCount,
}

impl IntegerField {
    /// The path field's name, as AWS's messages name it.
    fn path_field(self) -> &'static str {
        match self {
            IntegerField::Seconds => "SecondsPath",
            IntegerField::TimeoutSeconds => "TimeoutSecondsPath",
            IntegerField::HeartbeatSeconds => "HeartbeatSecondsPath",
            IntegerField::MaxConcurrency => "MaxConcurrencyPath",
            IntegerField::ToleratedFailureCount => "ToleratedFailureCountPath",
        }
    }

    /// The smallest value the field takes.
    fn min(self) -> i64 {
        match self {
            IntegerField::TimeoutSeconds | IntegerField::HeartbeatSeconds => 1,
            _ => 0,
        }
    }

    /// The largest value of the field's Java type.
    fn max(self) -> i64 {
        match self {
            IntegerField::MaxConcurrency => i32::MAX as i64,
            _ => i64::MAX,
        }
    }

    /// The value `selected` by the field's `path` (its text), or the cause of AWS's
    /// `States.Runtime` error (without the prefix that names the state).
    pub(crate) fn read(self, selected: &Value, path: &str) -> Result<u64, String> {
        match selected.as_i64().filter(|n| *n <= self.max()) {
            Some(n) if n >= self.min() => Ok(n as u64),
            // An integer of the right type, out of range.
            Some(_) if self.min() == 1 => Err(format!(
                "The {} field refers to value \"{}\" which is not a positive integer: {path}",
                self.path_field(),
                shown(selected)
            )),
            _ => Err(self.not_valid(selected, path)),
        }
    }

    /// The field's sentence for a value that is not one of its type.
    fn not_valid(self, selected: &Value, path: &str) -> String {
        match self {
            IntegerField::Seconds => format!(
                "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                shown(selected)
            ),
            _ => format!(
                "The {} field refers to value \"{}\" which is not a valid integer: {path}",
                self.path_field(),
                shown(selected)
            ),
        }
    }
}

/// The value `selected` by `ToleratedFailurePercentagePath` (`path` is its text), or the cause
/// of AWS's `States.Runtime` error.
pub(crate) fn read_percentage(selected: &Value, path: &str) -> Result<f64, String> {
    let Some(number) = selected.as_f64() else {
        return Err(format!(
            "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {path}",
            shown(selected)
        ));
    };
    // Read as a Java float (see the module's documentation).
    let float = number as f32;
    if (0.0..=100.0).contains(&float) {
        Ok(f64::from(float))
    } else {
        Err("ToleratedFailurePercentage must be between 0 and 100.".to_string())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{IntegerField, read_percentage};

    /// `IntegerField::read` of `value` (JSON text) by the path `$.v`.
    fn read(field: IntegerField, value: &str) -> Result<u64, String> {
        let value: Value = serde_json::from_str(value).expect("JSON");
        field.read(&value, "$.v")
    }

    /// The value kinds every field is tried with, as JSON text.
    const KINDS: &[&str] = &[
        "0",
        "1",
        "5",
        "99999999",
        "2147483647",
        "2147483648",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "100000000000000000000",
        "-1",
        "-9223372036854775808",
        "5.0",
        "5e0",
        "1.5",
        "-1.5",
        "1e21",
        "\"5\"",
        "\"NoNumber\"",
        "\"\"",
        "true",
        "null",
        "{}",
        "{\"a\":1}",
        "[1]",
    ];

    /// What a field gives for each of [`KINDS`]: the value, or the sentence kind.
    #[derive(Debug, PartialEq)]
    enum Expect {
        Gives(u64),
        NotValid,
        NotPositive,
    }

    fn check(field: IntegerField, expected: &[Expect]) {
        assert_eq!(expected.len(), KINDS.len());
        for (kind, want) in KINDS.iter().zip(expected) {
            let got = read(field, kind);
            let shown = match serde_json::from_str::<Value>(kind).unwrap() {
                Value::String(s) => s,
                _ => super::shown(&serde_json::from_str(kind).unwrap()),
            };
            let name = field.path_field();
            let expected_result = match want {
                Expect::Gives(n) => Ok(*n),
                Expect::NotValid if field == IntegerField::Seconds => Err(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: $.v == {shown}"
                )),
                Expect::NotValid => Err(format!(
                    "The {name} field refers to value \"{shown}\" which is not a valid integer: $.v"
                )),
                Expect::NotPositive => Err(format!(
                    "The {name} field refers to value \"{shown}\" which is not a positive integer: $.v"
                )),
            };
            assert_eq!(got, expected_result, "{name} = {kind}");
        }
    }

    use Expect::{Gives as V, NotPositive as P, NotValid as N};

    #[test]
    fn seconds_and_tolerated_failure_count_paths_are_non_negative_longs() {
        for field in [IntegerField::Seconds, IntegerField::ToleratedFailureCount] {
            check(
                field,
                &[
                    V(0),
                    V(1),
                    V(5),
                    V(99_999_999),
                    V(2_147_483_647),
                    V(2_147_483_648),
                    V(9_223_372_036_854_775_807),
                    // From 9223372036854775808 on.
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                ],
            );
        }
    }

    #[test]
    fn timeout_and_heartbeat_paths_are_positive_longs() {
        for field in [IntegerField::TimeoutSeconds, IntegerField::HeartbeatSeconds] {
            check(
                field,
                &[
                    P,
                    V(1),
                    V(5),
                    V(99_999_999),
                    V(2_147_483_647),
                    V(2_147_483_648),
                    V(9_223_372_036_854_775_807),
                    N,
                    N,
                    N,
                    P,
                    P,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                    N,
                ],
            );
        }
    }

    #[test]
    fn max_concurrency_path_is_a_non_negative_int() {
        check(
            IntegerField::MaxConcurrency,
            &[
                V(0),
                V(1),
                V(5),
                V(99_999_999),
                V(2_147_483_647),
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
                N,
            ],
        );
    }

    #[test]
    fn the_corpus_sentences() {
        // Recorded on AWS (see the module's documentation).
        assert_eq!(
            IntegerField::Seconds.read(&json!(-1.5), "$.input.waitSeconds"),
            Err("The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5".to_string())
        );
        assert_eq!(
            IntegerField::MaxConcurrency.read(&json!("NoNumber"), "$.MaxConcurrencyValue"),
            Err("The MaxConcurrencyPath field refers to value \"NoNumber\" which is not a valid integer: $.MaxConcurrencyValue".to_string())
        );
        assert_eq!(
            IntegerField::ToleratedFailureCount.read(&json!({}), "$.ToleratedFailureCount"),
            Err("The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid integer: $.ToleratedFailureCount".to_string())
        );
        assert_eq!(
            read_percentage(&json!("NoNumber"), "$.ToleratedFailurePercentage"),
            Err("The ToleratedFailurePercentagePath field refers to value \"NoNumber\" which is not a valid float: $.ToleratedFailurePercentage".to_string())
        );
        for v in [json!(-1), json!(-1.1), json!(100.1)] {
            assert_eq!(
                read_percentage(&v, "$.p"),
                Err("ToleratedFailurePercentage must be between 0 and 100.".to_string()),
                "{v}"
            );
        }
        assert_eq!(IntegerField::Seconds.read(&json!(0), "$.s"), Ok(0));
        assert_eq!(IntegerField::MaxConcurrency.read(&json!(0), "$.m"), Ok(0));
        assert_eq!(
            IntegerField::ToleratedFailureCount.read(&json!(0), "$.c"),
            Ok(0)
        );
    }

    #[test]
    fn tolerated_failure_percentage_path_is_a_float_from_0_to_100() {
        let not_a_float = |shown: &str| {
            Err(format!(
                "The ToleratedFailurePercentagePath field refers to value \"{shown}\" which is not a valid float: $.v"
            ))
        };
        let out_of_range =
            || Err("ToleratedFailurePercentage must be between 0 and 100.".to_string());
        let table: &[(&str, Result<f64, String>)] = &[
            ("0", Ok(0.0)),
            ("0.0", Ok(0.0)),
            ("-0.0", Ok(0.0)),
            ("1", Ok(1.0)),
            ("50.5", Ok(50.5)),
            ("100", Ok(100.0)),
            ("100.0", Ok(100.0)),
            // The Java float nearest to it is 100.
            ("100.00000001", Ok(100.0)),
            ("100.001", out_of_range()),
            ("-0.001", out_of_range()),
            ("-1", out_of_range()),
            ("1e21", out_of_range()),
            ("18446744073709551615", out_of_range()),
            ("\"50\"", not_a_float("50")),
            ("\"NoNumber\"", not_a_float("NoNumber")),
            ("true", not_a_float("true")),
            ("null", not_a_float("null")),
            ("{}", not_a_float("{}")),
            ("[50]", not_a_float("[50]")),
        ];
        for (text, expected) in table {
            let value: Value = serde_json::from_str(text).unwrap();
            let got = read_percentage(&value, "$.v");
            match (&got, expected) {
                // 0.5 and the like are compared as floats (the value went through f32).
                (Ok(a), Ok(b)) => assert!((a - b).abs() < 1e-6, "{text}: {got:?}"),
                _ => assert_eq!(&got, expected, "{text}"),
            }
        }
    }

    #[test]
    fn values_are_shown_as_jackson_shows_them() {
        assert_eq!(super::shown(&json!("a b")), "a b");
        assert_eq!(super::shown(&json!(5)), "5");
        assert_eq!(super::shown(&json!(-1.5)), "-1.5");
        assert_eq!(super::shown(&json!(5.0)), "5.0");
        assert_eq!(super::shown(&json!(1e21)), "1.0E21");
        assert_eq!(super::shown(&json!(0.0001)), "1.0E-4");
        assert_eq!(super::shown(&json!(null)), "null");
        assert_eq!(super::shown(&json!({"a": [1, "x"]})), "{\"a\":[1,\"x\"]}");
    }
}
