use serde_json::{Map, Value, json};

use super::*;
use crate::diagnostic::codes;
use crate::error::names;

/// Compiles a nested rule (no Next), panicking with the diagnostics on failure.
fn compile(rule: &Value) -> Condition {
    Condition::compile(rule, "/r", false)
        .unwrap_or_else(|d| panic!("{rule} should compile: {d:#?}"))
}

fn eval(rule: Value, input: Value) -> Result<bool, AslError> {
    compile(&rule).evaluate(&Env::document(&input))
}

fn check(rule: Value, input: Value) -> bool {
    let text = format!("{rule} on {input}");
    eval(rule, input).unwrap_or_else(|e| panic!("{text} failed: {e}"))
}

/// `{"Variable": "$.v", op: operand}` against `{"v": v, "o": other}`.
fn cmp(op: &str, operand: Value, v: Value) -> bool {
    let mut rule = Map::new();
    rule.insert("Variable".into(), json!("$.v"));
    rule.insert(op.into(), operand);
    check(Value::Object(rule), json!({ "v": v }))
}

/// `{"Variable": "$.v", "<op>Path": "$.o"}` against `{"v": v, "o": o}`.
fn cmp_path(op: &str, v: Value, o: Value) -> bool {
    let mut rule = Map::new();
    rule.insert("Variable".into(), json!("$.v"));
    rule.insert(format!("{op}Path"), json!("$.o"));
    check(Value::Object(rule), json!({ "v": v, "o": o }))
}

/// Both forms must agree; returns their answer.
fn both(op: &str, v: Value, o: Value) -> bool {
    let literal = cmp(op, o.clone(), v.clone());
    let path = cmp_path(op, v.clone(), o.clone());
    assert_eq!(literal, path, "{op} and {op}Path disagree on {v} vs {o}");
    literal
}

/// (code, pointer) of every diagnostic.
fn problems(rule: Value, top_level: bool) -> Vec<(&'static str, String)> {
    match Condition::compile(&rule, "/States/C/Choices/0", top_level) {
        Ok(c) => panic!("{rule} should not compile, got {c:?}"),
        Err(diags) => diags.into_iter().map(|d| (d.code, d.pointer)).collect(),
    }
}

fn p(code: &'static str, pointer: &str) -> (&'static str, String) {
    (code, pointer.to_string())
}

// ---------------------------------------------------------------------------------------------
// String comparisons

#[test]
fn string_equals() {
    assert!(both("StringEquals", json!("Hello"), json!("Hello")));
    assert!(!both("StringEquals", json!("Hello"), json!("hello")));
    assert!(!both("StringEquals", json!(" "), json!("     ")));
    assert!(!both("StringEquals", json!("\t\n"), json!("\t\r\n")));
    assert!(both("StringEquals", json!(""), json!("")));
    assert!(both("StringEquals", json!("é"), json!("é")));
    // Composed and decomposed forms are different strings.
    assert!(!both("StringEquals", json!("\u{e9}"), json!("e\u{301}")));
}

#[test]
fn string_order() {
    assert!(both("StringLessThan", json!("A"), json!("AB")));
    assert!(!both("StringLessThan", json!("AB"), json!("A")));
    assert!(!both("StringLessThan", json!(""), json!("")));
    assert!(both("StringLessThan", json!("B"), json!("a")));
    assert!(both("StringLessThan", json!("a"), json!("b")));
    assert!(both("StringLessThan", json!("10"), json!("9")));

    assert!(both("StringGreaterThan", json!("AB"), json!("A")));
    assert!(!both("StringGreaterThan", json!("A"), json!("A ")));
    assert!(!both("StringGreaterThan", json!("A"), json!("A\t\n\r")));
    assert!(!both("StringGreaterThan", json!(""), json!("")));

    assert!(both("StringLessThanEquals", json!(""), json!("")));
    assert!(both("StringLessThanEquals", json!("A"), json!("AB")));
    assert!(!both("StringLessThanEquals", json!("AB"), json!("A")));

    assert!(both("StringGreaterThanEquals", json!("x"), json!("x")));
    assert!(both("StringGreaterThanEquals", json!("xy"), json!("x")));
    assert!(!both("StringGreaterThanEquals", json!("w"), json!("x")));
}

#[test]
fn strings_order_by_utf16_code_units() {
    // U+10000 is the surrogate pair D800 DC00 in UTF-16, below U+FFFF; code point order says
    // the opposite. AWS (Java) orders by UTF-16 code units.
    assert!(both(
        "StringLessThan",
        json!("\u{10000}"),
        json!("\u{ffff}")
    ));
    assert!(both(
        "StringGreaterThan",
        json!("\u{ffff}"),
        json!("\u{10000}")
    ));
    assert!(both("StringLessThan", json!("\u{e9}"), json!("\u{10000}")));
    assert!(both("StringLessThan", json!("z"), json!("\u{e9}")));
}

#[test]
fn string_comparisons_with_other_types_are_false() {
    for v in [
        json!(null),
        json!(0),
        json!(0.0),
        json!(1.1),
        json!(true),
        json!([]),
        json!([""]),
        json!({}),
        json!({"A": 0}),
    ] {
        for op in [
            "StringEquals",
            "StringLessThan",
            "StringGreaterThan",
            "StringLessThanEquals",
            "StringGreaterThanEquals",
        ] {
            assert!(!cmp(op, json!("HelloWorld"), v.clone()), "{op} {v}");
            // Other type on either side of a Path comparison.
            assert!(
                !cmp_path(op, v.clone(), json!("HelloWorld")),
                "{op}Path {v}"
            );
            assert!(
                !cmp_path(op, json!("HelloWorld"), v.clone()),
                "{op}Path vs {v}"
            );
        }
    }
    // Not even a number written the same way.
    assert!(!cmp("StringEquals", json!("1"), json!(1)));
}

// ---------------------------------------------------------------------------------------------
// Numeric comparisons

#[test]
fn numeric_comparisons() {
    assert!(both("NumericEquals", json!(0), json!(0)));
    assert!(both("NumericEquals", json!(0.0), json!(0)));
    assert!(both("NumericEquals", json!(1), json!(1.0)));
    assert!(both("NumericEquals", json!(-0.0), json!(0)));
    assert!(both("NumericEquals", json!(1.5), json!(1.5)));
    assert!(!both("NumericEquals", json!(1), json!(2)));
    assert!(!both("NumericEquals", json!(1.0000001), json!(1)));

    assert!(both("NumericLessThan", json!(0), json!(1)));
    assert!(!both("NumericLessThan", json!(1), json!(1)));
    assert!(!both("NumericLessThan", json!(0.0), json!(0)));
    assert!(both("NumericLessThan", json!(-1), json!(-0.5)));
    assert!(both("NumericLessThan", json!(2.5), json!(3)));
    assert!(!both("NumericLessThan", json!(3), json!(2.5)));

    assert!(both("NumericGreaterThan", json!(1), json!(0)));
    assert!(!both("NumericGreaterThan", json!(0), json!(0)));
    assert!(!both("NumericGreaterThan", json!(0.0), json!(0)));
    assert!(both("NumericGreaterThan", json!(1.1), json!(1)));

    assert!(both("NumericLessThanEquals", json!(0), json!(0)));
    assert!(both("NumericLessThanEquals", json!(0.0), json!(0)));
    assert!(both("NumericLessThanEquals", json!(0), json!(1)));
    assert!(!both("NumericLessThanEquals", json!(1), json!(0)));

    assert!(both("NumericGreaterThanEquals", json!(1), json!(1)));
    assert!(both("NumericGreaterThanEquals", json!(1), json!(0)));
    assert!(!both("NumericGreaterThanEquals", json!(0), json!(1)));
    assert!(both(
        "NumericGreaterThanEquals",
        json!(1e300),
        json!(u64::MAX)
    ));
}

#[test]
fn numeric_comparisons_are_exact_for_integers() {
    let big = json!(9007199254740993_i64); // 2^53 + 1: no f64 has this value
    assert!(!both(
        "NumericEquals",
        big.clone(),
        json!(9007199254740992_i64)
    ));
    assert!(both(
        "NumericGreaterThan",
        big.clone(),
        json!(9007199254740992_i64)
    ));
    assert!(both("NumericEquals", json!(u64::MAX), json!(u64::MAX)));
    assert!(both("NumericLessThan", json!(i64::MIN), json!(u64::MAX)));
    assert!(both("NumericGreaterThan", json!(u64::MAX), json!(-1)));
    assert!(both("NumericLessThan", json!(-1e30), json!(i64::MIN)));
    assert!(both("NumericGreaterThan", json!(1e30), json!(u64::MAX)));
    assert!(both("NumericLessThan", json!(-2), json!(-1.5)));
    assert!(both("NumericGreaterThan", json!(-1), json!(-1.5)));
}

#[test]
fn numeric_comparisons_with_other_types_are_false() {
    for v in [
        json!(null),
        json!("42"),
        json!(""),
        json!(true),
        json!(false),
        json!([1]),
        json!({"A": 0}),
    ] {
        for op in [
            "NumericEquals",
            "NumericLessThan",
            "NumericGreaterThan",
            "NumericLessThanEquals",
            "NumericGreaterThanEquals",
        ] {
            assert!(!cmp(op, json!(42), v.clone()), "{op} {v}");
            assert!(!cmp_path(op, v.clone(), json!(42)), "{op}Path {v}");
            assert!(!cmp_path(op, json!(42), v.clone()), "{op}Path vs {v}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Booleans

#[test]
fn boolean_equals() {
    assert!(both("BooleanEquals", json!(true), json!(true)));
    assert!(both("BooleanEquals", json!(false), json!(false)));
    assert!(!both("BooleanEquals", json!(true), json!(false)));
    assert!(!both("BooleanEquals", json!(false), json!(true)));
    for v in [
        json!(null),
        json!(0),
        json!(1),
        json!("true"),
        json!(""),
        json!([]),
        json!({}),
    ] {
        assert!(!cmp("BooleanEquals", json!(true), v.clone()));
        assert!(!cmp("BooleanEquals", json!(false), v.clone()));
        assert!(!cmp_path("BooleanEquals", v.clone(), json!(false)));
        assert!(!cmp_path("BooleanEquals", json!(false), v.clone()));
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

#[test]
fn timestamp_comparisons() {
    let a = json!("2012-10-09T19:00:55Z");
    let b = json!("2012-10-09T19:00:56Z");
    assert!(both("TimestampEquals", a.clone(), a.clone()));
    assert!(!both("TimestampEquals", a.clone(), b.clone()));
    assert!(!both("TimestampEquals", b.clone(), a.clone()));

    assert!(both("TimestampLessThan", a.clone(), b.clone()));
    assert!(!both("TimestampLessThan", a.clone(), a.clone()));
    assert!(!both("TimestampLessThan", b.clone(), a.clone()));

    assert!(both("TimestampGreaterThan", b.clone(), a.clone()));
    assert!(!both("TimestampGreaterThan", a.clone(), a.clone()));
    assert!(!both("TimestampGreaterThan", a.clone(), b.clone()));

    assert!(both("TimestampLessThanEquals", a.clone(), a.clone()));
    assert!(both("TimestampLessThanEquals", a.clone(), b.clone()));
    assert!(!both("TimestampLessThanEquals", b.clone(), a.clone()));

    assert!(both("TimestampGreaterThanEquals", a.clone(), a.clone()));
    assert!(both("TimestampGreaterThanEquals", b.clone(), a.clone()));
    assert!(!both("TimestampGreaterThanEquals", a.clone(), b.clone()));
}

#[test]
fn timestamps_compare_as_instants() {
    let utc = json!("2012-10-09T19:00:55Z");
    assert!(both(
        "TimestampEquals",
        json!("2012-10-09T20:00:55+01:00"),
        utc.clone()
    ));
    assert!(both(
        "TimestampEquals",
        json!("2012-10-09T14:30:55-04:30"),
        utc.clone()
    ));
    assert!(both(
        "TimestampEquals",
        json!("2012-10-09T19:00:55.000Z"),
        utc.clone()
    ));
    assert!(both(
        "TimestampGreaterThan",
        json!("2012-10-09T19:00:55.000000001Z"),
        utc.clone()
    ));
    assert!(both(
        "TimestampLessThan",
        json!("2012-10-09T20:00:55+02:00"),
        utc.clone()
    ));
    // Text order would say the opposite.
    assert!(both(
        "TimestampGreaterThan",
        json!("2012-10-09T19:00:55-01:00"),
        json!("2012-10-09T19:30:55Z")
    ));
}

#[test]
fn timestamp_comparisons_with_non_timestamps_are_false() {
    for v in [
        json!(null),
        json!(0),
        json!(1.1),
        json!(""),
        json!(" "),
        json!("2023-02-24 12:15:56.832957"),
        json!("2012-10-09T19:00:55"),
        json!("2012-10-09t19:00:55z"),
        json!("2023-02-24"),
        json!([]),
        json!([""]),
        json!({}),
        json!(true),
    ] {
        for op in [
            "TimestampEquals",
            "TimestampLessThan",
            "TimestampGreaterThan",
            "TimestampLessThanEquals",
            "TimestampGreaterThanEquals",
        ] {
            assert!(
                !cmp(op, json!("2012-10-09T19:00:55Z"), v.clone()),
                "{op} {v}"
            );
            assert!(
                !cmp_path(op, v.clone(), json!("2012-10-09T19:00:55Z")),
                "{op}Path {v}"
            );
            assert!(
                !cmp_path(op, json!("2012-10-09T19:00:55Z"), v.clone()),
                "{op}Path vs {v}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// StringMatches

fn matches(pattern: &str, text: &str) -> bool {
    cmp("StringMatches", json!(pattern), json!(text))
}

#[test]
fn string_matches_wildcards() {
    assert!(matches("log-*.txt", "log-2024.txt"));
    assert!(matches("log-*.txt", "log-.txt"));
    assert!(!matches("log-*.txt", "log-2024.txt.gz"));
    assert!(!matches("log-*.txt", "xlog-1.txt"));
    assert!(matches("*.txt", ".txt"));
    assert!(matches("*", ""));
    assert!(matches("*", "anything at all"));
    assert!(matches("**", "x"));
    assert!(matches("", ""));
    assert!(!matches("", "x"));
    assert!(matches("abc", "abc"));
    assert!(!matches("abc", "abcd"));
    assert!(!matches("abc", "ABC"));
    assert!(matches("a*b*c", "abc"));
    assert!(matches("a*b*c", "a-b-b-c"));
    assert!(matches("a*b*c", "aXbYbZc"));
    assert!(!matches("a*b*c", "acb"));
    assert!(matches("*ab*ab*", "abab"));
    assert!(!matches("*ab*ab*", "aba"));
    // Prefix and suffix may not overlap.
    assert!(!matches("ab*ba", "aba"));
    assert!(matches("ab*ba", "abba"));
    // Only `*` is special.
    assert!(matches("a?c", "a?c"));
    assert!(!matches("a?c", "abc"));
    assert!(matches("[a].+", "[a].+"));
    assert!(matches("é*ü", "é→ü"));
    assert!(matches("*🦀", "crab 🦀"));
}

#[test]
fn string_matches_escapes() {
    // JSON "\\*" is the pattern \* : a literal star.
    assert!(matches(r"a\*b", "a*b"));
    assert!(!matches(r"a\*b", "axb"));
    assert!(matches(r"\**", "*anything"));
    assert!(!matches(r"\**", "anything"));
    // JSON "\\\\" is the pattern \\ : a literal backslash.
    assert!(matches(r"a\\b", r"a\b"));
    assert!(matches(r"a\\*", r"a\tail"));
    assert!(!matches(r"a\\*", "atail"));
    // A backslash before another character makes it literal; a trailing one is itself.
    assert!(matches(r"\a", "a"));
    assert!(matches(r"a\", r"a\"));
    assert_eq!(Pattern::new(r"x\*y*").source(), r"x\*y*");
}

#[test]
fn string_matches_non_strings_is_false() {
    for v in [json!(null), json!(1), json!(true), json!(["a"]), json!({})] {
        assert!(!cmp("StringMatches", json!("*"), v));
    }
}

// ---------------------------------------------------------------------------------------------
// Type tests

fn is(op: &str, expected: bool, v: Value) -> bool {
    cmp(op, json!(expected), v)
}

#[test]
fn type_tests() {
    let values = [
        json!(null),
        json!(0),
        json!(0.0),
        json!(1.1),
        json!(""),
        json!("HelloWorld"),
        json!("2012-10-09T19:00:55"),
        json!("2012-10-09T19:00:55Z"),
        json!("2012-10-09T19:00:55+01:00"),
        json!("2023-02-24"),
        json!([]),
        json!([""]),
        json!({}),
        json!({"A": 0}),
        json!(true),
        json!(false),
    ];
    for v in values {
        let null = v.is_null();
        let numeric = v.is_number();
        let string = v.is_string();
        let boolean = v.is_boolean();
        let timestamp =
            v == json!("2012-10-09T19:00:55Z") || v == json!("2012-10-09T19:00:55+01:00");
        for (op, answer) in [
            ("IsNull", null),
            ("IsNumeric", numeric),
            ("IsString", string),
            ("IsBoolean", boolean),
            ("IsTimestamp", timestamp),
            ("IsPresent", true),
        ] {
            assert_eq!(is(op, true, v.clone()), answer, "{op}: true on {v}");
            assert_eq!(is(op, false, v.clone()), !answer, "{op}: false on {v}");
        }
    }
    assert!(!is("IsTimestamp", true, json!("2016-12-05t21:29:29Z")));
    assert!(!is("IsTimestamp", true, json!("2016-13-05T21:29:29Z")));
    assert!(is(
        "IsTimestamp",
        true,
        json!("2016-03-05T21:29:29.243167252Z")
    ));
}

#[test]
fn is_present() {
    let present = |path: &str, input: Value| {
        check(json!({"Variable": path, "IsPresent": true}), input.clone())
            && !check(json!({"Variable": path, "IsPresent": false}), input)
    };
    let absent = |path: &str, input: Value| {
        !check(json!({"Variable": path, "IsPresent": true}), input.clone())
            && check(json!({"Variable": path, "IsPresent": false}), input)
    };
    assert!(present("$.a", json!({"a": null})));
    assert!(present("$.a", json!({"a": false})));
    assert!(present("$.a.b[1]", json!({"a": {"b": [0, 1]}})));
    assert!(present("$", json!(null)));
    assert!(absent("$.a", json!({})));
    assert!(absent("$.a.b", json!({"a": 1})));
    assert!(absent("$.a[2]", json!({"a": [0, 1]})));
    assert!(absent("$.a", json!([1])));
    assert!(absent("$undefinedVariable", json!({})));
    assert!(absent("$$.Execution.Id", json!({})));
}

// ---------------------------------------------------------------------------------------------
// Missing values

#[test]
fn a_missing_variable_is_a_runtime_error() {
    let err = eval(
        json!({"Variable": "$.type", "StringEquals": "Private"}),
        json!({}),
    )
    .unwrap_err();
    assert_eq!(err.error, names::RUNTIME);
    assert_eq!(
        err.cause.as_deref(),
        Some(
            "Invalid path '$.type': The choice state's condition path references an invalid value."
        )
    );
    for rule in [
        json!({"Variable": "$.x", "NumericEquals": 1}),
        json!({"Variable": "$.x", "BooleanEquals": true}),
        json!({"Variable": "$.x", "TimestampEquals": "2012-10-09T19:00:55Z"}),
        json!({"Variable": "$.x", "StringMatches": "*"}),
        json!({"Variable": "$.x", "IsNull": true}),
        json!({"Variable": "$.x", "IsNull": false}),
        json!({"Variable": "$.x", "IsString": false}),
        json!({"Variable": "$.x", "IsNumeric": false}),
        json!({"Variable": "$.x", "IsBoolean": false}),
        json!({"Variable": "$.x", "IsTimestamp": false}),
        json!({"Variable": "$.x.y", "StringEquals": "a"}),
        json!({"Variable": "$.x[0]", "StringEquals": "a"}),
        json!({"Not": {"Variable": "$.x", "StringEquals": "a"}}),
        json!({"Variable": "$undefined", "StringEquals": "a"}),
    ] {
        let err = eval(rule.clone(), json!({"y": 1})).unwrap_err();
        assert_eq!(err.error, names::RUNTIME, "{rule}");
    }
}

#[test]
fn a_missing_second_path_is_a_runtime_error() {
    let err = eval(
        json!({"Variable": "$.a", "NumericEqualsPath": "$.missing"}),
        json!({"a": 1}),
    )
    .unwrap_err();
    assert_eq!(err.error, names::RUNTIME);
    assert_eq!(
        err.cause.as_deref(),
        Some(
            "Invalid path '$.missing': The choice state's condition path references an invalid value."
        )
    );
    // Even when the variable has a type the operator does not compare.
    assert!(
        eval(
            json!({"Variable": "$.a", "TimestampEqualsPath": "$.missing"}),
            json!({"a": 1})
        )
        .is_err()
    );
    // The variable is looked up first.
    let err = eval(
        json!({"Variable": "$.first", "StringEqualsPath": "$.second"}),
        json!({}),
    )
    .unwrap_err();
    assert!(err.cause.unwrap().contains("'$.first'"));
}

#[test]
fn and_or_stop_at_the_deciding_rule() {
    let guarded = json!({"And": [
        {"Variable": "$.x", "IsPresent": true},
        {"Variable": "$.x", "NumericGreaterThan": 1}
    ]});
    assert!(!check(guarded.clone(), json!({})));
    assert!(check(guarded.clone(), json!({"x": 2})));
    assert!(!check(guarded, json!({"x": 1})));

    let or = json!({"Or": [
        {"Variable": "$.x", "IsPresent": false},
        {"Variable": "$.x", "StringEquals": "a"}
    ]});
    assert!(check(or.clone(), json!({})));
    assert!(check(or.clone(), json!({"x": "a"})));
    assert!(!check(or, json!({"x": "b"})));

    // Without the guard first, the missing path fails.
    let unguarded = json!({"And": [
        {"Variable": "$.x", "NumericGreaterThan": 1},
        {"Variable": "$.x", "IsPresent": true}
    ]});
    assert!(eval(unguarded, json!({})).is_err());
}

// ---------------------------------------------------------------------------------------------
// Composition

#[test]
fn and_or_not() {
    let in_twenties = json!({"And": [
        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
        {"Variable": "$.value", "NumericLessThan": 30}
    ]});
    assert!(check(in_twenties.clone(), json!({"value": 22})));
    assert!(check(in_twenties.clone(), json!({"value": 20})));
    assert!(!check(in_twenties.clone(), json!({"value": 30})));
    assert!(!check(in_twenties.clone(), json!({"value": "22"})));

    let not = json!({"Not": {"Variable": "$.type", "StringEquals": "Private"}});
    assert!(!check(not.clone(), json!({"type": "Private"})));
    assert!(check(not.clone(), json!({"type": "Public"})));
    assert!(check(not, json!({"type": 1})));

    let single = json!({"And": [{"Variable": "$.type", "StringEquals": "Public"}]});
    assert!(check(single.clone(), json!({"type": "Public"})));
    assert!(!check(single, json!({"type": "Private"})));

    let nested = json!({"Or": [
        {"Not": {"Or": [
            {"Variable": "$.a", "IsNull": true},
            {"Variable": "$.a", "NumericLessThan": 0}
        ]}},
        {"And": [
            {"Variable": "$.b", "BooleanEquals": true},
            {"Not": {"Not": {"Variable": "$.c", "StringMatches": "ok*"}}}
        ]}
    ]});
    assert!(check(nested.clone(), json!({"a": 5})));
    assert!(!check(
        nested.clone(),
        json!({"a": -5, "b": false, "c": "okay"})
    ));
    assert!(check(
        nested.clone(),
        json!({"a": -5, "b": true, "c": "okay"})
    ));
    assert!(!check(
        nested.clone(),
        json!({"a": null, "b": true, "c": "nope"})
    ));
    assert!(check(nested, json!({"a": null, "b": true, "c": "ok"})));

    assert_eq!(
        compile(&json!({"Not": {"Variable": "$", "IsNull": true}})),
        Condition::Not(Box::new(Condition::Compare(Comparison {
            variable: Path::parse("$").unwrap(),
            test: Test::Is(TypeTest::Null, true),
        })))
    );
}

#[test]
fn variables_context_and_whole_input() {
    let vars: serde_json::Map<String, Value> =
        serde_json::from_value(json!({"guess": "x", "answer": "x", "n": {"v": [1, 2]}})).unwrap();
    let context = json!({"Execution": {"Input": {"input-value": 0}}});
    let input = json!(3);
    let env = Env {
        input: &input,
        context: &context,
        variables: &vars,
    };
    let t = |rule: Value| compile(&rule).evaluate(&env).unwrap();
    assert!(t(
        json!({"Variable": "$guess", "StringEqualsPath": "$answer"})
    ));
    assert!(t(json!({"Variable": "$n.v[1]", "NumericEquals": 2})));
    assert!(t(
        json!({"Variable": "$$.Execution.Input.input-value", "NumericLessThanEquals": 0})
    ));
    assert!(t(json!({"Variable": "$", "NumericEquals": 3})));
    assert!(!t(
        json!({"Variable": "$", "NumericEqualsPath": "$n.v[-1]"})
    ));
    assert!(t(json!({"And": [
        {"Variable": "$", "IsPresent": true},
        {"And": [{"Variable": "$", "IsNumeric": true}, {"Variable": "$", "NumericEquals": 3}]}
    ]})));
    assert!(
        compile(&json!({"Variable": "$missing", "StringEquals": "x"}))
            .evaluate(&env)
            .is_err()
    );
}

#[test]
fn a_top_level_rule_keeps_next_assign_and_comment_out_of_the_condition() {
    let rule = json!({
        "Variable": "$.input_value",
        "NumericEquals": 42,
        "Assign": {"status": "CORRECT"},
        "Comment": "the answer",
        "Next": "FinalState"
    });
    let c = Condition::compile(&rule, "/States/S/Choices/1", true).unwrap();
    // The string "42" is not the number 42.
    assert!(
        !c.evaluate(&Env::document(&json!({"input_value": "42"})))
            .unwrap()
    );
    assert!(
        c.evaluate(&Env::document(&json!({"input_value": 42.0})))
            .unwrap()
    );
}

#[test]
fn jsonata_rules_are_recognised() {
    assert!(is_jsonata_rule(
        &json!({"Condition": "{% $x %}", "Next": "A"})
    ));
    assert!(is_jsonata_rule(&json!({"Condition": true, "Next": "A"})));
    assert!(!is_jsonata_rule(
        &json!({"Variable": "$.x", "IsNull": true, "Next": "A"})
    ));
    assert!(!is_jsonata_rule(&json!("Condition")));
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

#[test]
fn every_operator_compiles_in_both_forms() {
    let test_of = |rule: Value| match compile(&rule) {
        Condition::Compare(comparison) => comparison.test,
        other => panic!("{rule} compiled to {other:?}"),
    };
    let o = || Path::parse("$.o").unwrap();
    let ts = "2016-03-14T01:59:00Z";
    for rel in [
        Relation::Equals,
        Relation::LessThan,
        Relation::GreaterThan,
        Relation::LessThanEquals,
        Relation::GreaterThanEquals,
    ] {
        for (kind, literal, literal_test, path_test) in [
            (
                "String",
                json!("s"),
                Test::String(rel, Operand::Literal("s".to_string())),
                Test::String(rel, Operand::Path(o())),
            ),
            (
                "Numeric",
                json!(1),
                Test::Numeric(rel, Operand::Literal(Number::from(1))),
                Test::Numeric(rel, Operand::Path(o())),
            ),
            (
                "Timestamp",
                json!(ts),
                Test::Timestamp(rel, Operand::Literal(parse_timestamp(ts).unwrap())),
                Test::Timestamp(rel, Operand::Path(o())),
            ),
        ] {
            let op = format!("{kind}{}", rel.suffix());
            assert_eq!(
                test_of(json!({"Variable": "$.v", op.clone(): literal})),
                literal_test,
                "{op}"
            );
            assert_eq!(
                test_of(json!({"Variable": "$.v", format!("{op}Path"): "$.o"})),
                path_test,
                "{op}Path"
            );
        }
    }
    assert_eq!(
        test_of(json!({"Variable": "$.v", "BooleanEquals": true})),
        Test::Boolean(Operand::Literal(true))
    );
    assert_eq!(
        test_of(json!({"Variable": "$.v", "BooleanEqualsPath": "$.o"})),
        Test::Boolean(Operand::Path(o()))
    );
    assert_eq!(
        test_of(json!({"Variable": "$.v", "StringMatches": "*"})),
        Test::Matches(Pattern::new("*"))
    );
    for t in [
        TypeTest::Null,
        TypeTest::Present,
        TypeTest::Numeric,
        TypeTest::String,
        TypeTest::Boolean,
        TypeTest::Timestamp,
    ] {
        assert_eq!(
            test_of(json!({"Variable": "$.v", t.name(): true})),
            Test::Is(t, true),
            "{}",
            t.name()
        );
    }
}

#[test]
fn operator_count_diagnostics() {
    assert_eq!(
        problems(json!({"Variable": "$.x", "Next": "A"}), true),
        vec![p(codes::CHOICE_RULE_COMPARISONS, "/States/C/Choices/0")]
    );
    assert_eq!(
        problems(json!({"Next": "A"}), true),
        vec![p(codes::CHOICE_RULE_COMPARISONS, "/States/C/Choices/0")]
    );
    assert_eq!(
        problems(
            json!({"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "A"}),
            true
        ),
        vec![p(codes::CHOICE_RULE_COMPARISONS, "/States/C/Choices/0")]
    );
    // Each operator's value is still checked.
    assert_eq!(
        problems(
            json!({"Variable": "$.x", "StringEquals": 1, "And": [], "Next": "A"}),
            true
        ),
        vec![
            p(codes::CHOICE_RULE_COMPARISONS, "/States/C/Choices/0"),
            p(codes::CHOICE_RULE_VALUE, "/States/C/Choices/0/StringEquals"),
            p(codes::CHOICE_RULE_VALUE, "/States/C/Choices/0/And"),
        ]
    );
    let msg = Condition::compile(
        &json!({"Variable": "$.x", "IsNull": true, "IsString": true}),
        "",
        false,
    )
    .unwrap_err()[0]
        .message
        .clone();
    assert!(msg.contains("IsNull, IsString"), "{msg}");
}

#[test]
fn operand_type_diagnostics() {
    let at = |op: &str| format!("/States/C/Choices/0/{op}");
    for (op, bad) in [
        ("StringEquals", json!(1)),
        ("StringLessThan", json!(null)),
        ("StringGreaterThan", json!(["a"])),
        ("StringLessThanEquals", json!({})),
        ("StringGreaterThanEquals", json!(true)),
        ("StringMatches", json!(1)),
        ("NumericEquals", json!("1")),
        ("NumericLessThan", json!(null)),
        ("NumericGreaterThan", json!(true)),
        ("NumericLessThanEquals", json!([1])),
        ("NumericGreaterThanEquals", json!("x")),
        ("BooleanEquals", json!(1)),
        ("BooleanEquals", json!("true")),
        ("TimestampEquals", json!("2016-12-05T21:29:29")),
        ("TimestampEquals", json!("2016-12-05 21:29:29Z")),
        ("TimestampLessThan", json!("2016-12-05t21:29:29z")),
        ("TimestampGreaterThan", json!("2016-13-05T21:29:29Z")),
        ("TimestampLessThanEquals", json!(1)),
        ("TimestampGreaterThanEquals", json!(null)),
        ("IsNull", json!("true")),
        ("IsPresent", json!(1)),
        ("IsNumeric", json!(null)),
        ("IsString", json!([])),
        ("IsBoolean", json!({})),
        ("IsTimestamp", json!("yes")),
        ("StringEqualsPath", json!(1)),
        ("NumericEqualsPath", json!(null)),
        ("BooleanEqualsPath", json!(true)),
        ("TimestampEqualsPath", json!({})),
    ] {
        let mut rule = Map::new();
        rule.insert("Variable".into(), json!("$.x"));
        rule.insert(op.into(), bad.clone());
        rule.insert("Next".into(), json!("A"));
        assert_eq!(
            problems(Value::Object(rule), true),
            vec![p(codes::CHOICE_RULE_VALUE, &at(op))],
            "{op}: {bad}"
        );
    }
}

#[test]
fn path_diagnostics() {
    assert_eq!(
        problems(json!({"Variable": "x", "IsNull": true, "Next": "A"}), true),
        vec![p(codes::INVALID_PATH, "/States/C/Choices/0/Variable")]
    );
    assert_eq!(
        problems(
            json!({"Variable": "$.a[", "IsNull": true, "Next": "A"}),
            true
        ),
        vec![p(codes::INVALID_PATH, "/States/C/Choices/0/Variable")]
    );
    assert_eq!(
        problems(
            json!({"Variable": "$.a", "StringEqualsPath": "nope", "Next": "A"}),
            true
        ),
        vec![p(
            codes::INVALID_PATH,
            "/States/C/Choices/0/StringEqualsPath"
        )]
    );
    assert_eq!(
        problems(
            json!({"Variable": "States.ArrayContains($.a, 1)", "BooleanEquals": true, "Next": "A"}),
            true
        ),
        vec![p(codes::INVALID_PATH, "/States/C/Choices/0/Variable")]
    );
    for not_reference in [
        "$.a[*]",
        "$..a",
        "$.a[?(@.b == 1)]",
        "$.a[0,1]",
        "$.a[1:]",
        "$.a.length()",
    ] {
        assert_eq!(
            problems(json!({"Variable": not_reference, "IsNull": true}), false),
            vec![p(
                codes::NOT_A_REFERENCE_PATH,
                "/States/C/Choices/0/Variable"
            )],
            "{not_reference}"
        );
        assert_eq!(
            problems(
                json!({"Variable": "$.a", "NumericEqualsPath": not_reference}),
                false
            ),
            vec![p(
                codes::NOT_A_REFERENCE_PATH,
                "/States/C/Choices/0/NumericEqualsPath"
            )],
            "{not_reference}"
        );
    }
    assert_eq!(
        problems(json!({"Variable": 1, "IsNull": true}), false),
        vec![p(codes::WRONG_TYPE, "/States/C/Choices/0/Variable")]
    );
    assert_eq!(
        problems(json!({"StringEquals": "a", "Next": "A"}), true),
        vec![p(codes::MISSING_FIELD, "/States/C/Choices/0")]
    );
    assert_eq!(
        problems(
            json!({"Variable": "$.a", "Not": {"Variable": "$.a", "IsNull": true}}),
            false
        ),
        vec![p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/Variable")]
    );
}

#[test]
fn next_assign_comment_diagnostics() {
    assert_eq!(
        problems(json!({"Variable": "$.a", "IsNull": true}), true),
        vec![p(codes::CHOICE_RULE_NEXT, "/States/C/Choices/0")]
    );
    assert_eq!(
        problems(json!({"Variable": "$.a", "IsNull": true, "Next": 1}), true),
        vec![p(codes::WRONG_TYPE, "/States/C/Choices/0/Next")]
    );
    assert_eq!(
        problems(
            json!({"Variable": "$.a", "IsNull": true, "Next": "A", "Assign": [1], "Comment": 2}),
            true
        ),
        vec![
            p(codes::WRONG_TYPE, "/States/C/Choices/0/Assign"),
            p(codes::WRONG_TYPE, "/States/C/Choices/0/Comment"),
        ]
    );
    assert_eq!(
        problems(
            json!({"And": [
                {"Variable": "$.a", "IsNull": true, "Next": "B"},
                {"Variable": "$.b", "IsNull": true, "Assign": {}}
            ], "Next": "A"}),
            true
        ),
        vec![
            p(codes::CHOICE_RULE_NEXT, "/States/C/Choices/0/And/0/Next"),
            p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/And/1/Assign"),
        ]
    );
    assert_eq!(
        problems(
            json!({"Not": {"Variable": "$.a", "IsNull": true, "Next": "B"}, "Next": "A"}),
            true
        ),
        vec![p(codes::CHOICE_RULE_NEXT, "/States/C/Choices/0/Not/Next")]
    );
    // Comment is allowed in nested rules too.
    compile(&json!({"Not": {"Variable": "$.a", "IsNull": true, "Comment": "c"}, "Comment": "c"}));
}

#[test]
fn unknown_field_diagnostics() {
    assert_eq!(
        problems(
            json!({"Variable": "$.a", "StringEquals": "x", "Default": "B", "StringMatchesPath": "$.b", "IsNullPath": "$.c", "Next": "A"}),
            true
        ),
        vec![
            p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/Default"),
            p(
                codes::UNKNOWN_FIELD,
                "/States/C/Choices/0/StringMatchesPath"
            ),
            p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/IsNullPath"),
        ]
    );
    assert_eq!(
        problems(json!({"Variable": "$.a", "stringequals": "x"}), false),
        vec![
            p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/stringequals"),
            p(codes::CHOICE_RULE_COMPARISONS, "/States/C/Choices/0"),
        ]
    );
    assert_eq!(
        problems(json!({"Condition": "{% true %}", "Next": "A"}), true),
        vec![
            p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/Condition"),
            p(codes::CHOICE_RULE_COMPARISONS, "/States/C/Choices/0"),
        ]
    );
    // Keys are escaped in pointers.
    assert_eq!(
        problems(
            json!({"Variable": "$.a", "IsNull": true, "a/b~c": 1}),
            false
        ),
        vec![p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/a~1b~0c")]
    );
}

#[test]
fn and_or_not_diagnostics() {
    assert_eq!(
        problems(json!({"And": [], "Next": "A"}), true),
        vec![p(codes::CHOICE_RULE_VALUE, "/States/C/Choices/0/And")]
    );
    assert_eq!(
        problems(json!({"Or": [], "Next": "A"}), true),
        vec![p(codes::CHOICE_RULE_VALUE, "/States/C/Choices/0/Or")]
    );
    assert_eq!(
        problems(json!({"Or": {"Variable": "$.a", "IsNull": true}}), false),
        vec![p(codes::CHOICE_RULE_VALUE, "/States/C/Choices/0/Or")]
    );
    assert_eq!(
        problems(json!({"Not": [{"Variable": "$.a", "IsNull": true}]}), false),
        vec![p(codes::CHOICE_RULE_VALUE, "/States/C/Choices/0/Not")]
    );
    assert_eq!(
        problems(json!({"And": [1, "x"]}), false),
        vec![
            p(codes::WRONG_TYPE, "/States/C/Choices/0/And/0"),
            p(codes::WRONG_TYPE, "/States/C/Choices/0/And/1"),
        ]
    );
    assert_eq!(
        problems(json!(7), true),
        vec![p(codes::WRONG_TYPE, "/States/C/Choices/0")]
    );
    // Every problem, at every depth, at once.
    assert_eq!(
        problems(
            json!({"Or": [
                {"Variable": "$.a", "NumericEquals": "1"},
                {"Not": {"Variable": "$.b[*]", "IsNull": true}},
                {"And": [
                    {"Variable": "$.c", "TimestampEquals": "yesterday"},
                    {"StringEquals": "x"},
                    {"Variable": "$.d", "IsString": true, "Bogus": 1}
                ]},
                {"Variable": "$.e", "IsNull": true}
            ]}),
            false
        ),
        vec![
            p(
                codes::CHOICE_RULE_VALUE,
                "/States/C/Choices/0/Or/0/NumericEquals"
            ),
            p(
                codes::NOT_A_REFERENCE_PATH,
                "/States/C/Choices/0/Or/1/Not/Variable"
            ),
            p(
                codes::CHOICE_RULE_VALUE,
                "/States/C/Choices/0/Or/2/And/0/TimestampEquals"
            ),
            p(codes::MISSING_FIELD, "/States/C/Choices/0/Or/2/And/1"),
            p(codes::UNKNOWN_FIELD, "/States/C/Choices/0/Or/2/And/2/Bogus"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The conformance corpus

/// Replays every `choice_operators` case whose start state is a Choice over JSONPath rules:
/// the branch the compiled rules pick must be the branch AWS took.
#[test]
fn conformance_corpus_choice_operators() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/cases/choice_operators"
    );
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}: the conformance corpus (tests/conformance/cases) is missing from the repository"));
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut replayed, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for file in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap().to_string();
        let definition = &case["definition"];
        let start = definition["StartAt"].as_str().unwrap();
        let state = &definition["States"][start];
        let choices = state["Choices"].as_array();
        let jsonata =
            definition["QueryLanguage"] == "JSONata" || state["QueryLanguage"] == "JSONata";
        let Some(choices) = choices.filter(|c| !jsonata && !c.iter().any(is_jsonata_rule)) else {
            skipped.push(name);
            continue;
        };
        assert_eq!(state["Type"], "Choice", "{name}");

        // The branch AWS took: named by the output of the ConditionTrue / ConditionFalse
        // template, or by the states entered, as the notes list them.
        let expected = case["expected"]["output"]["TestResult.$"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                let notes = case["notes"].as_str()?;
                let entered = notes.split("States entered (recorded order): ").nth(1)?;
                let entered = entered.split('.').next()?;
                Some(entered.split(" > ").nth(1)?.trim().to_string())
            })
            .unwrap_or_else(|| panic!("{name}: no expected branch"));

        let env_input = &case["input"];
        let env = Env::document(env_input);
        let mut taken = None;
        for (i, rule) in choices.iter().enumerate() {
            let pointer = format!("/States/{start}/Choices/{i}");
            let condition = Condition::compile(rule, &pointer, true)
                .unwrap_or_else(|d| panic!("{name}: rule {i} does not compile: {d:#?}"));
            match condition.evaluate(&env) {
                Ok(true) => {
                    taken = Some(rule["Next"].as_str().unwrap().to_string());
                    break;
                }
                Ok(false) => {}
                Err(e) => {
                    taken = Some(format!("error {e}"));
                    break;
                }
            }
        }
        let taken = taken.or_else(|| state["Default"].as_str().map(str::to_string));
        replayed += 1;
        if taken.as_deref() != Some(expected.as_str()) {
            failures.push(format!("{name}: took {taken:?}, AWS took {expected}"));
        }
    }
    eprintln!(
        "Choice corpus: {replayed} cases replayed, {} skipped (JSONata): {skipped:?}",
        skipped.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(replayed > 300, "only {replayed} cases replayed");
}
