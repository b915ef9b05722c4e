use serde_json::{Map, Value, json};

use super::eval::{JavaRandom, java_equals, java_round};
use super::render::java_double;
use super::*;
use crate::diagnostic::codes;
use crate::entropy::SplitMix64;
use crate::error::names;

// ----- helpers -----

fn parse(expr: &str) -> IntrinsicCall {
    IntrinsicCall::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn eval(expr: &str, input: &Value) -> Result<Value, AslError> {
    parse(expr).evaluate(&Env::document(input), &mut SplitMix64(7))
}

fn ok(expr: &str, input: &Value) -> Value {
    eval(expr, input).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn ok0(expr: &str) -> Value {
    ok(expr, &json!({}))
}

/// Evaluates and expects the error of a refused call whose cause contains `needle`. Its name
/// is `States.Runtime`: AWS's error-handling page reserves `States.IntrinsicFailure` for
/// future use and reports intrinsic function processing errors as `States.Runtime`.
fn failure(expr: &str, input: &Value, needle: &str) {
    match eval(expr, input) {
        Ok(v) => panic!("{expr}: expected an error, got {v}"),
        Err(e) => {
            assert_eq!(e.error, names::RUNTIME, "{expr}: {e}");
            let cause = e.cause.unwrap_or_default();
            assert!(
                cause.contains(needle),
                "{expr}: cause {cause:?} lacks {needle:?}"
            );
        }
    }
}

fn failure0(expr: &str, needle: &str) {
    failure(expr, &json!({}), needle);
}

fn syntax(expr: &str) -> IntrinsicSyntaxError {
    match IntrinsicCall::parse(expr) {
        Ok(_) => panic!("{expr}: expected a syntax error"),
        Err(e) => e,
    }
}

fn syntax_code(expr: &str, code: &str) -> IntrinsicSyntaxError {
    let e = syntax(expr);
    assert_eq!(e.code, code, "{expr}: {e}");
    e
}

/// A fixed entropy source: always the same value.
struct Fixed(u64);

impl Entropy for Fixed {
    fn next_u64(&mut self) -> u64 {
        self.0
    }
}

// ----- parsing -----

#[test]
fn recognises_calls() {
    assert!(is_intrinsic_call("States.Format('x')"));
    assert!(is_intrinsic_call("States.Nope"));
    assert!(!is_intrinsic_call("$.States.Format"));
    assert!(!is_intrinsic_call("$"));
    assert!(!is_intrinsic_call(" States.UUID()"));
    assert!(!is_intrinsic_call("states.UUID()"));
}

#[test]
fn keeps_text_and_function() {
    let call = parse("States.Format('{}', States.Array(1))");
    assert_eq!(call.text(), "States.Format('{}', States.Array(1))");
    assert_eq!(call.to_string(), call.text());
    assert_eq!(call.function(), IntrinsicFunction::Format);
    assert_eq!(call, parse("States.Format('{}', States.Array(1))"));
    assert_ne!(call, parse("States.Format('{}',States.Array(1))"));
}

#[test]
fn function_table() {
    assert_eq!(IntrinsicFunction::ALL.len(), 18);
    for f in IntrinsicFunction::ALL {
        assert_eq!(IntrinsicFunction::from_name(f.name()), Some(f));
        assert_eq!(f.to_string(), f.name());
    }
    assert_eq!(IntrinsicFunction::from_name("States.uuid"), None);
    assert_eq!(IntrinsicFunction::from_name("Format"), None);
    assert!(IntrinsicFunction::Hash.allowed_in_fail_state());
    assert!(!IntrinsicFunction::ArrayLength.allowed_in_fail_state());
}

#[test]
fn unknown_functions() {
    let e = syntax_code("States.Foo(1)", codes::UNKNOWN_INTRINSIC);
    assert_eq!(e.offset, 0);
    assert!(e.message.contains("'States.Foo'"), "{e}");
    // Names are case-sensitive: AWS refuses `States.format(...)` when the state machine is
    // created (serverless-step-functions issue 399 quotes the SCHEMA_VALIDATION_FAILED error).
    let e = syntax_code("States.format('x')", codes::UNKNOWN_INTRINSIC);
    assert_eq!(
        e.message,
        "unknown intrinsic function 'States.format' (did you mean 'States.Format'?)"
    );
    let e = syntax_code("States.Uuid()", codes::UNKNOWN_INTRINSIC);
    assert!(e.message.contains("did you mean 'States.UUID'"), "{e}");
    let e = syntax_code("States.Array(1, States.Nope())", codes::UNKNOWN_INTRINSIC);
    assert_eq!(e.offset, 16);
    // With nothing close, the message lists the functions instead.
    let e = syntax_code("States.Bogus()", codes::UNKNOWN_INTRINSIC);
    assert!(
        e.message.starts_with(
            "unknown intrinsic function 'States.Bogus'; the functions are States.Format, "
        ),
        "{e}"
    );
    assert!(
        e.message.ends_with("States.StringSplit, States.UUID"),
        "{e}"
    );
    // Whatever is wrong inside a call, the first problem is reported.
    let e = syntax_code("States.Array(States.Bogus(), 1,)", codes::UNKNOWN_INTRINSIC);
    assert_eq!(e.offset, 13);
}

#[test]
fn arity_is_checked_when_parsing() {
    for (expr, needle) in [
        (
            "States.ArrayLength()",
            "takes 1 argument, but none were given",
        ),
        (
            "States.ArrayLength($, $)",
            "takes 1 argument, but 2 were given",
        ),
        ("States.UUID(1)", "takes 0 arguments, but 1 was given"),
        ("States.MathRandom(1)", "takes 2 to 3 arguments"),
        ("States.MathRandom(1, 2, 3, 4)", "takes 2 to 3 arguments"),
        ("States.JsonMerge($, $)", "takes 3 arguments"),
        ("States.Format()", "takes at least 1 argument"),
        ("States.ArrayRange(1, 2)", "takes 3 arguments"),
        ("States.Hash('a')", "takes 2 arguments"),
        ("States.StringToJson()", "takes 1 argument"),
    ] {
        let e = syntax_code(expr, codes::INTRINSIC_ARITY);
        assert!(e.message.contains(needle), "{expr}: {e}");
    }
    let e = syntax_code("States.Array(States.ArrayLength())", codes::INTRINSIC_ARITY);
    assert_eq!(e.offset, 13);
    // Variadic functions take any number.
    parse("States.Array()");
    parse("States.Array(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)");
    parse("States.Format('no placeholders')");
    parse("States.MathRandom(1, 2)");
    parse("States.MathRandom(1, 2, 3)");
}

#[test]
fn malformed_calls() {
    for expr in [
        "States.Array",
        "States.Array(",
        "States.Array(1",
        "States.Array(1,",
        "States.Array(1,)",
        "States.Array(,1)",
        "States.Array(1,,2)",
        "States.Array(1 2)",
        "States.Array(1))",
        "States.Array() x",
        "States.Array (1)",
        "States.Array(foo)",
        "States.Array(True)",
        "States.Array(nul)",
        "States.Array(\"double quotes\")",
        "States.Array(01)",
        "States.Array(1.)",
        "States.Array(.5)",
        "States.Array(-)",
        "States.Array(1e)",
        "States.Array(@.a)",
        "States.Array($.a[)",
        "States.Array($.a..)",
        "States.Array(Format('x'))",
        "States.",
        "States.(1)",
    ] {
        syntax_code(expr, codes::INVALID_INTRINSIC);
    }
    let e = syntax_code("States.Format('{}', $.a,)", codes::INVALID_INTRINSIC);
    assert_eq!(
        e.message,
        "a ',' must be followed by an argument (no trailing comma before ')')"
    );
    assert_eq!(e.offset, 24);
    let e = syntax_code("States.Array(1, foo)", codes::INVALID_INTRINSIC);
    assert_eq!(e.offset, 16);
    let e = syntax_code("States.Array($.a[)", codes::INVALID_INTRINSIC);
    assert!(e.message.contains("'$.a[)'"), "{e}");
    assert!(e.offset >= 13, "{e}");
}

#[test]
fn quoting_errors() {
    // Recorded: AWS rejects `\"` inside an intrinsic string (both definitions below, as they
    // read after JSON decoding, are `illegal_escapes_*` cases).
    let e = syntax_code(
        r#"States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here')"#,
        codes::INVALID_INTRINSIC,
    );
    assert_eq!(e.offset, 24);
    assert!(e.message.contains("illegal escape"), "{e}");
    syntax_code(
        r#"States.StringToJson('{"text":"An \"escaped double quote\" here"}')"#,
        codes::INVALID_INTRINSIC,
    );
    for expr in [
        r"States.Format('a\nb')",
        r"States.Format('a\tb')",
        r"States.Format('a\u0041')",
        r"States.Format('abc",
        r"States.Format('abc\'",
        r"States.Format('abc\",
        r"States.Format('abc'",
        r"States.Format('a''b')",
    ] {
        syntax_code(expr, codes::INVALID_INTRINSIC);
    }
    let e = syntax_code("States.Format('abc", codes::INVALID_INTRINSIC);
    assert_eq!(e.offset, 14);
    assert!(e.message.contains("unterminated"), "{e}");
}

#[test]
fn whitespace_is_allowed_around_arguments() {
    assert_eq!(ok0("States.Array( 1 ,2,\t3\n)  "), json!([1, 2, 3]));
    assert_eq!(ok0("States.Array(  )"), json!([]));
    assert_eq!(
        ok("States.Array( $.a , $$ )", &json!({"a": 1})),
        json!([1, {}])
    );
}

#[test]
fn literals() {
    assert_eq!(
        ok0("States.Array('s', 1, -2, 1.5, -0.25, 2e3, 1E-2, true, false, null, '')"),
        json!(["s", 1, -2, 1.5, -0.25, 2000.0, 0.01, true, false, null, ""])
    );
    // Integers stay integers and decimals stay decimals.
    let v = ok0("States.Array(1, 1.0)");
    assert!(v[0].is_i64());
    assert!(v[1].is_f64());
}

#[test]
fn at_most_ten_calls_per_field() {
    // The documentation's own example: nine calls, nested five deep.
    parse(
        "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))",
    );
    let ten = "States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array())))))))))";
    assert_eq!(ok0(ten), json!([[[[[[[[[[]]]]]]]]]]));
    let eleven = format!("States.Array({ten})");
    let e = syntax_code(&eleven, codes::INVALID_INTRINSIC);
    assert!(e.message.contains("at most 10"), "{e}");
    let flat = format!("States.Array({})", ["States.UUID()"; 10].join(", "));
    syntax_code(&flat, codes::INVALID_INTRINSIC);
}

#[test]
fn path_arguments() {
    let input = json!({
        "a": {"b": [10, 20, 30]},
        "odd key": 1,
        "x,y": 2,
        "p(q)": 3,
        "detail-type": "t",
        "items": [{"v": 1, "k": "a)"}, {"v": 2, "k": "b"}]
    });
    assert_eq!(ok("States.Array($)", &input), json!([input]));
    assert_eq!(ok("States.Array($.a.b[1])", &input), json!([20]));
    assert_eq!(ok("States.Array($.a.b[-1])", &input), json!([30]));
    assert_eq!(ok("States.Array($['odd key'])", &input), json!([1]));
    assert_eq!(
        ok("States.Array($['x,y'], $['p(q)'])", &input),
        json!([2, 3])
    );
    assert_eq!(ok("States.Array($.detail-type)", &input), json!(["t"]));
    assert_eq!(
        ok("States.Array($.items[?(@.k == 'a)')].v)", &input),
        json!([[1]])
    );
    assert_eq!(ok("States.Array($.items[*].v)", &input), json!([[1, 2]]));
    assert_eq!(ok("States.ArrayLength($.a.b)", &input), json!(3));
    assert_eq!(ok("States.Array($.a.b.length())", &input), json!([3]));
    assert_eq!(
        ok("States.Array($.a.b[0:2], $.a.b[0,2])", &input),
        json!([[10, 20], [10, 30]])
    );
    // An indefinite path that matches nothing is an empty list, not an error.
    assert_eq!(ok("States.Array($.nothing[*])", &input), json!([[]]));
}

#[test]
fn path_arguments_with_escaped_names() {
    // A path argument's quoted names follow the path rules (Jayway's escapes), not the
    // intrinsic string rules: inside the path, `\'` does not end the intrinsic's argument and
    // `\"` is allowed. AWS's documentation: names with characters outside
    // `member-name-shorthand` must be written in brackets, e.g. `$.abc.['def ghi']`.
    let input = json!({
        "a'b": "quote", "a\"b": "double", "a\\b": "backslash", "a b": "space",
        "x,y)": "comma", "a{b": "brace", "é": "accent", "abc": {"def ghi": "dotted"}
    });
    for (expr, expected) in [
        (r"States.Format('{}', $['a\'b'])", json!("quote")),
        (r#"States.Format('{}', $["a'b"])"#, json!("quote")),
        (r#"States.Format('{}', $["a\"b"])"#, json!("double")),
        (r#"States.Format('{}', $['a"b'])"#, json!("double")),
        (r"States.Format('{}', $['a\\b'])", json!("backslash")),
        (r"States.Format('{}', $['a b'])", json!("space")),
        (r"States.Format('{}', $['x,y)'])", json!("comma")),
        (r"States.Format('{}', $['a\{b'])", json!("brace")),
        (r"States.Format('{}', $['\u00e9'])", json!("accent")),
        (r"States.Format('{}', $.abc.['def ghi'])", json!("dotted")),
        // The intrinsic's own escapes apply to its string literals only.
        (
            r"States.Format('it\'s {} \{\}', $['a\'b'])",
            json!("it's quote {}"),
        ),
        (r"States.Format('$[\'a b\']')", json!("$['a b']")),
        (
            r#"States.Array($['a\'b'], $["a\"b"], $['a\\b'])"#,
            json!(["quote", "double", "backslash"]),
        ),
    ] {
        assert_eq!(ok(expr, &input), expected, "{expr}");
    }
    // The error names the path as written.
    let e = eval(r"States.Format('{}', $['no\'pe'])", &input).unwrap_err();
    assert!(
        e.cause
            .unwrap()
            .starts_with(r"The JSONPath '$['no\'pe']' specified"),
        "cause"
    );
    // A malformed name is a syntax error of the call.
    for expr in [
        r"States.Format('{}', $['it''s'])",
        r"States.Format('{}', $['a\'])",
        r#"States.Format('{}', $['a',"b"])"#,
        r"States.Format('{}', $['\ud800'])",
    ] {
        syntax_code(expr, codes::INVALID_INTRINSIC);
    }
}

#[test]
fn a_path_that_matches_nothing_is_a_runtime_error() {
    let input = json!({"a": 1});
    let e = eval("States.Format('{}', $.missing)", &input).unwrap_err();
    assert_eq!(e.error, names::RUNTIME);
    assert_eq!(
        e.cause.as_deref(),
        Some(
            "The JSONPath '$.missing' specified as an intrinsic function argument could not be found in the input '{\"a\":1}'"
        )
    );
    let e = eval("States.Array(States.ArrayLength($.a.b))", &input).unwrap_err();
    assert_eq!(e.error, names::RUNTIME);
    let e = eval("States.Array($undefinedVar)", &input).unwrap_err();
    assert_eq!(e.error, names::RUNTIME);
    assert!(
        e.cause.unwrap().contains("'$undefinedVar' referenced"),
        "variable error"
    );
}

#[test]
fn context_and_variables() {
    let context = json!({
        "Execution": {"Name": "exec-1", "Input": {"x": 5}},
        "StateMachine": {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:M", "Name": "M"},
        "Map": {"Item": {"Value": "Pikachu", "Index": 1}}
    });
    let mut variables = Map::new();
    variables.insert("AnswerTemplate".into(), json!("It's {}!"));
    variables.insert("obj".into(), json!({"n": [1, 2]}));
    variables.insert("value1".into(), json!(5));
    variables.insert("value2".into(), json!(3));
    let input = json!({"AnswerTemplate": "It is {}."});
    let env = Env {
        input: &input,
        context: &context,
        variables: &variables,
    };
    let run = |expr: &str| parse(expr).evaluate(&env, &mut SplitMix64(1)).unwrap();
    // Recorded: reference_in_map_state_map_state_reference_in_intrinsic_function.
    assert_eq!(
        run("States.Format($AnswerTemplate, $$.Map.Item.Value)"),
        json!("It's Pikachu!")
    );
    assert_eq!(
        run("States.Format($.AnswerTemplate, $$.Map.Item.Value)"),
        json!("It is Pikachu.")
    );
    assert_eq!(run("States.MathAdd($value1, $value2)"), json!(8));
    assert_eq!(run("States.ArrayGetItem($obj.n, 1)"), json!(2));
    assert_eq!(run("States.ArrayLength($obj.n)"), json!(2));
    assert_eq!(
        run("States.JsonToString($$.Execution.Input)"),
        json!("{\"x\":5}")
    );
    assert_eq!(
        run("States.Format('{} / {}', $$.Execution.Name, $$.StateMachine)"),
        json!("exec-1 / {Id=arn:aws:states:us-east-1:111111111111:stateMachine:M, Name=M}")
    );
    assert_eq!(run("States.Array($$, $)").as_array().unwrap().len(), 2);
}

#[test]
fn nested_calls() {
    let input = json!({"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:1:image-recipe/my-recipe.name/1.0.0"}, "three": 2});
    assert_eq!(
        ok(
            "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), $.three)",
            &input
        ),
        json!("1.0.2")
    );
    let name = json!({"n": "alpha-beta-gamma"});
    assert_eq!(
        ok(
            "States.ArrayGetItem(States.StringSplit($.n, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.n, '-')), -1))",
            &name
        ),
        json!("gamma")
    );
    assert_eq!(
        ok0(
            "States.JsonMerge(States.StringToJson('{\"a\": 1}'), States.StringToJson('{\"b\": 2}'), false)"
        ),
        json!({"a": 1, "b": 2})
    );
    // An error inside a nested call is the call's error.
    failure0(
        "States.Array(States.ArrayGetItem(States.Array(1), 3))",
        "States.ArrayGetItem: index 3 is out of bounds",
    );
}

// ----- escapes and States.Format -----

#[test]
fn escapes() {
    assert_eq!(
        ok0(r"States.Format('It\'s {} \{\} \\ done', 'x')"),
        json!(r"It's x {} \ done")
    );
    // Escaped braces are never a placeholder, even next to unescaped ones.
    assert_eq!(ok0(r"States.Format('\{}')"), json!("{}"));
    assert_eq!(ok0(r"States.Format('{\}')"), json!("{}"));
    assert_eq!(ok0(r"States.Format('\\{}', 1)"), json!(r"\1"));
    // Outside Format, escaped and unescaped braces are the same characters.
    assert_eq!(ok0(r"States.Array('\{\}', '{}')"), json!(["{}", "{}"]));
    // Recorded (json_merge_escaped_argument): unescaped braces and double quotes in a literal.
    assert_eq!(
        ok0(r#"States.StringToJson('{"constant_in_literal": "false"}')"#),
        json!({"constant_in_literal": "false"})
    );
    assert_eq!(ok0(r"States.Array('\'')"), json!(["'"]));
    assert_eq!(ok0("States.Array('a,b)c')"), json!(["a,b)c"]));
    assert_eq!(ok0("States.Array('é ✓ 𝄞')"), json!(["é ✓ 𝄞"]));
}

#[test]
fn format_basics() {
    // Recorded: format_1__00..06.
    let template = "States.Format('Formatting argument {}.', $.FunctionInput)";
    for (input, expected) in [
        (json!(""), "Formatting argument ."),
        (json!(" "), "Formatting argument  ."),
        (json!("HelloWorld"), "Formatting argument HelloWorld."),
        (json!(null), "Formatting argument null."),
        (json!(1), "Formatting argument 1."),
        (json!(1.1), "Formatting argument 1.1."),
        (
            json!("{\"Arg1\": 1, \"Arg2\": []}"),
            "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.",
        ),
    ] {
        assert_eq!(
            ok(template, &json!({"FunctionInput": input})),
            json!(expected)
        );
    }
    assert_eq!(ok0("States.Format('plain')"), json!("plain"));
    assert_eq!(ok0("States.Format('')"), json!(""));
    assert_eq!(ok0("States.Format('{}{}', 'a', 'b')"), json!("ab"));
    // A lone brace is text.
    assert_eq!(ok0("States.Format('a { b } {}', 1)"), json!("a { b } 1"));
    assert_eq!(ok0("States.Format('{{}}', 1)"), json!("{1}"));
    // Inserted values are not scanned for placeholders again.
    assert_eq!(ok0("States.Format('{}-{}', '{}', 'x')"), json!("{}-x"));
    // Recorded: state_fail_intrinsic.
    assert_eq!(
        ok(
            "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
            &json!({"Error": "error string", "Cause": "cause string"})
        ),
        json!("This is a custom error message for error string, caused by cause string.")
    );
}

#[test]
fn format_template_from_a_path_or_a_call() {
    let input = json!({"name": "Arnav", "template": "Hello, my name is {}.", "t2": "{}\\{}"});
    assert_eq!(
        ok("States.Format($.template, $.name)", &input),
        json!("Hello, my name is Arnav.")
    );
    // A template that is a value has no escapes: every `{}` is a placeholder.
    assert_eq!(ok("States.Format($.t2, 1, 2)", &input), json!("1\\2"));
    assert_eq!(
        ok(
            "States.Format(States.Format('\\{\\} and {}', '\\{\\}'), 'x', 'y')",
            &input
        ),
        json!("x and y")
    );
    failure(
        "States.Format($.name, 1)",
        &input,
        "has 0 placeholders '{}' but 1 value was given",
    );
    failure(
        "States.Format($.missing[*], 1)",
        &input,
        "the first argument (the format string) must be a string, but was an array []",
    );
    failure(
        "States.Format(1)",
        &input,
        "must be a string, but was a number 1",
    );
}

#[test]
fn format_argument_count_must_match() {
    failure0(
        "States.Format('{} {}', 1)",
        "the format string has 2 placeholders '{}' but 1 value was given",
    );
    failure0(
        "States.Format('{}', 1, 2)",
        "the format string has 1 placeholder '{}' but 2 values were given",
    );
    failure0("States.Format('x', 1)", "has 0 placeholders");
}

#[test]
fn format_renders_values_like_java_to_string() {
    let input = json!({
        "obj": {"a": [1, 2.0, "x", null, true], "b": {"c": {}}, "d": [], "e": false, "f": -1.5e-7},
        "arr": [[1, [2]], {"k": "v"}, "s p"],
        "big": 12345678.9,
        "exp": 1e21,
        "small": 0.0001,
        "float_int": 100.0,
        "neg": -7,
        "u": 18446744073709551615u64
    });
    let f = |path: &str| ok(&format!("States.Format('{{}}', {path})"), &input);
    assert_eq!(
        f("$.obj"),
        json!("{a=[1, 2.0, x, null, true], b={c={}}, d=[], e=false, f=-1.5E-7}")
    );
    assert_eq!(f("$.arr"), json!("[[1, [2]], {k=v}, s p]"));
    assert_eq!(f("$.big"), json!("1.23456789E7"));
    assert_eq!(f("$.exp"), json!("1.0E21"));
    assert_eq!(f("$.small"), json!("1.0E-4"));
    assert_eq!(f("$.float_int"), json!("100.0"));
    assert_eq!(f("$.neg"), json!("-7"));
    assert_eq!(f("$.u"), json!("18446744073709551615"));
    assert_eq!(f("true"), json!("true"));
    assert_eq!(f("States.Array()"), json!("[]"));
    assert_eq!(f("States.StringToJson('{}')"), json!("{}"));
}

#[test]
fn java_double_to_string() {
    // Checked against Java's Double.toString.
    for (x, expected) in [
        (1.1, "1.1"),
        (2.0, "2.0"),
        (100.0, "100.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (-0.5, "-0.5"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e21, "1.0E21"),
        (123456.789, "123456.789"),
        (9999999.999, "9999999.999"),
        (5e-324, "4.9E-324"),
        (1.7976931348623157e308, "1.7976931348623157E308"),
        (0.1 + 0.2, "0.30000000000000004"),
        (4.35, "4.35"),
        (100.5e-10, "1.005E-8"),
        (1e23, "1.0E23"),
        (2e-3, "0.002"),
        (1.0, "1.0"),
        (3e-5, "3.0E-5"),
        (9.5e-322, "9.5E-322"),
    ] {
        assert_eq!(java_double(x), expected, "{x}");
    }
}

// ----- JSON functions -----

#[test]
fn string_to_json() {
    let input = json!({"escapedJsonString": "{\"foo\": \"bar\"}", "n": " 12 ", "bad": "{", "empty": "", "num": 1});
    assert_eq!(
        ok("States.StringToJson($.escapedJsonString)", &input),
        json!({"foo": "bar"})
    );
    assert_eq!(ok("States.StringToJson($.n)", &input), json!(12));
    assert_eq!(
        ok0("States.StringToJson('[1, \"a\", null]')"),
        json!([1, "a", null])
    );
    assert_eq!(ok0("States.StringToJson('\"s\"')"), json!("s"));
    failure(
        "States.StringToJson($.bad)",
        &input,
        "the string is not valid JSON",
    );
    failure("States.StringToJson($.empty)", &input, "not valid JSON");
    failure(
        "States.StringToJson($.num)",
        &input,
        "States.StringToJson: the argument must be a string, but was a number 1",
    );
}

#[test]
fn json_to_string() {
    let input = json!({"unescapedJson": {"foo": "bar", "n": [1, 2.5, null]}, "s": "x\"y"});
    assert_eq!(
        ok("States.JsonToString($.unescapedJson)", &input),
        json!("{\"foo\":\"bar\",\"n\":[1,2.5,null]}")
    );
    assert_eq!(ok("States.JsonToString($.s)", &input), json!("\"x\\\"y\""));
    assert_eq!(ok0("States.JsonToString(null)"), json!("null"));
    assert_eq!(ok0("States.JsonToString(3)"), json!("3"));
    // Round trip.
    assert_eq!(
        ok("States.StringToJson(States.JsonToString($))", &input),
        input
    );
}

#[test]
fn json_merge() {
    // Recorded: json_merge.
    let input = json!({
        "fst": {"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3},
        "snd": {"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4}
    });
    let merged = ok("States.JsonMerge($.fst, $.snd, false)", &input);
    assert_eq!(
        merged,
        json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})
    );
    // Member order: the first object's, then the second's new members.
    let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "b", "d", "c"]);
    assert_eq!(
        ok0("States.JsonMerge(States.StringToJson('{}'), States.StringToJson('{}'), false)"),
        json!({})
    );
    failure(
        "States.JsonMerge($.fst, $.snd, true)",
        &input,
        "deep merging is not supported",
    );
    failure(
        "States.JsonMerge($.fst, $.snd, 'false')",
        &input,
        "must be the boolean false, but was a string \"false\"",
    );
    failure(
        "States.JsonMerge($.fst, $.snd, null)",
        &input,
        "must be the boolean false, but was null",
    );
    failure(
        "States.JsonMerge($.fst.b, $.snd, false)",
        &input,
        "the first argument must be a JSON object, but was a number 2",
    );
    failure(
        "States.JsonMerge($.fst, States.Array(), false)",
        &input,
        "the second argument must be a JSON object, but was an array []",
    );
}

// ----- arrays -----

#[test]
fn array() {
    // Recorded: array_0.
    assert_eq!(ok0("States.Array()"), json!([]));
    assert_eq!(
        ok(
            "States.Array($.Id, 'x', States.Array())",
            &json!({"Id": 123456})
        ),
        json!([123456, "x", []])
    );
}

#[test]
fn array_partition() {
    // Recorded: array_partition__00..24.
    for n in 0..5 {
        let items: Vec<Value> = (0..n).map(Value::from).collect();
        for size in 1..6 {
            let expected: Vec<Value> = items
                .chunks(size)
                .map(|c| Value::Array(c.to_vec()))
                .collect();
            assert_eq!(
                ok(
                    "States.ArrayPartition($.fst, $.snd)",
                    &json!({"fst": items, "snd": size})
                ),
                Value::Array(expected)
            );
        }
    }
    assert_eq!(
        ok0("States.ArrayPartition(States.Array(1,2,3,4,5,6,7,8,9), 4)"),
        json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
    );
    // A non-integer size is rounded (Math.round): 1.5 is 2, 2.4 is 2.
    assert_eq!(
        ok0("States.ArrayPartition(States.Array(1,2,3), 1.5)"),
        json!([[1, 2], [3]])
    );
    assert_eq!(
        ok0("States.ArrayPartition(States.Array(1,2,3), 2.4)"),
        json!([[1, 2], [3]])
    );
    assert_eq!(
        ok0("States.ArrayPartition(States.Array(1,2,3), 1e30)"),
        json!([[1, 2, 3]])
    );
    failure0(
        "States.ArrayPartition(States.Array(1), 0)",
        "the chunk size must be a positive integer, but was 0",
    );
    failure0("States.ArrayPartition(States.Array(1), 0.4)", "but was 0");
    failure0("States.ArrayPartition(States.Array(1), -1)", "but was -1");
    failure0(
        "States.ArrayPartition(States.Array(1), '2')",
        "the chunk size must be a number, but was a string \"2\"",
    );
    failure0(
        "States.ArrayPartition('abc', 2)",
        "States.ArrayPartition: the first argument must be an array, but was a string \"abc\"",
    );
}

#[test]
fn array_contains() {
    // Recorded: array_contains__00..08.
    for (fst, snd, expected) in [
        (json!([]), json!(null), false),
        (json!([]), json!([]), false),
        (json!([]), json!(1), false),
        (json!([[1, 2, 3], 2]), json!(null), false),
        (json!([[1, 2, 3], 2]), json!([1, 2, 3]), true),
        (json!([{"1": 2, "2": []}]), json!([]), false),
        (json!([{"1": 2, "2": []}]), json!({"1": 2, "2": []}), true),
        (json!([true, false]), json!(true), true),
        (json!([true, false]), json!(false), true),
    ] {
        assert_eq!(
            ok(
                "States.ArrayContains($.fst, $.snd)",
                &json!({"fst": fst, "snd": snd})
            ),
            json!(expected)
        );
    }
    let input = json!({"a": [{"x": 1, "y": 2}, null, "s", 1, 2.5]});
    // Object member order does not matter.
    assert_eq!(
        ok(
            "States.ArrayContains($.a, States.StringToJson('{\"y\":2,\"x\":1}'))",
            &input
        ),
        json!(true)
    );
    assert_eq!(ok("States.ArrayContains($.a, null)", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, 's')", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, 2.5)", &input), json!(true));
    assert_eq!(ok("States.ArrayContains($.a, 'S')", &input), json!(false));
    // An integer and a decimal are different JSON values.
    assert_eq!(ok("States.ArrayContains($.a, 1.0)", &input), json!(false));
    failure0(
        "States.ArrayContains(States.StringToJson('{}'), 1)",
        "the first argument must be an array, but was an object {}",
    );
}

#[test]
fn array_range() {
    assert_eq!(ok0("States.ArrayRange(1, 9, 2)"), json!([1, 3, 5, 7, 9]));
    assert_eq!(ok0("States.ArrayRange(0, 3, 1)"), json!([0, 1, 2, 3]));
    assert_eq!(ok0("States.ArrayRange(1, 10, 2)"), json!([1, 3, 5, 7, 9]));
    assert_eq!(ok0("States.ArrayRange(5, 5, 3)"), json!([5]));
    assert_eq!(ok0("States.ArrayRange(3, -3, -2)"), json!([3, 1, -1, -3]));
    assert_eq!(ok0("States.ArrayRange(1, 0, 1)"), json!([]));
    assert_eq!(ok0("States.ArrayRange(0, 1, -1)"), json!([]));
    // Non-integers are rounded (Math.round): 0.5 -> 1, 3.49 -> 3, 1.5 -> 2.
    assert_eq!(ok0("States.ArrayRange(0.5, 3.49, 1.5)"), json!([1, 3]));
    assert_eq!(ok0("States.ArrayRange(-1.5, 0, 1)"), json!([-1, 0]));
    let thousand = ok0("States.ArrayRange(1, 1000, 1)");
    assert_eq!(thousand.as_array().unwrap().len(), 1000);
    assert_eq!(
        ok0("States.ArrayRange(0, 1998, 2)")
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    failure0(
        "States.ArrayRange(0, 1000, 1)",
        "the range would have 1001 items; at most 1000 are allowed",
    );
    failure0(
        "States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)",
        "at most 1000",
    );
    failure0(
        "States.ArrayRange(1, 5, 0)",
        "the step (third argument) must not be 0",
    );
    failure0("States.ArrayRange(1, 5, 0.4)", "must not be 0");
    failure0(
        "States.ArrayRange('1', 5, 1)",
        "the first argument (the first element) must be a number, but was a string \"1\"",
    );
    failure0(
        "States.ArrayRange(1, null, 1)",
        "must be a number, but was null",
    );
}

#[test]
fn array_get_item() {
    // Recorded: array_get_item.
    let input = json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5});
    assert_eq!(
        ok("States.ArrayGetItem($.inputArray, $.index)", &input),
        json!(6)
    );
    assert_eq!(ok("States.ArrayGetItem($.inputArray, 0)", &input), json!(1));
    assert_eq!(ok("States.ArrayGetItem($.inputArray, 8)", &input), json!(9));
    assert_eq!(
        ok("States.ArrayGetItem($.inputArray, 2.0)", &input),
        json!(3)
    );
    assert_eq!(
        ok0("States.ArrayGetItem(States.Array(States.Array(1), 'x'), 0)"),
        json!([1])
    );
    failure(
        "States.ArrayGetItem($.inputArray, 9)",
        &input,
        "States.ArrayGetItem: index 9 is out of bounds for an array of 9 items",
    );
    failure(
        "States.ArrayGetItem($.inputArray, -1)",
        &input,
        "index -1 is out of bounds",
    );
    failure0(
        "States.ArrayGetItem(States.Array(), 0)",
        "for an array of 0 items",
    );
    failure0(
        "States.ArrayGetItem(States.Array(1), 1)",
        "for an array of 1 item",
    );
    failure(
        "States.ArrayGetItem($.inputArray, 1.5)",
        &input,
        "the index must be an integer, but was 1.5",
    );
    failure(
        "States.ArrayGetItem($.inputArray, '1')",
        &input,
        "the index must be a number",
    );
    failure(
        "States.ArrayGetItem($.index, 0)",
        &input,
        "the first argument must be an array, but was a number 5",
    );
}

#[test]
fn array_length() {
    assert_eq!(
        ok(
            "States.ArrayLength($.a)",
            &json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]})
        ),
        json!(9)
    );
    // Recorded: array_unique (which measures the length of its input).
    let input = json!([null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 1}]);
    assert_eq!(ok("States.ArrayLength($)", &input), json!(20));
    assert_eq!(ok0("States.ArrayLength(States.Array())"), json!(0));
    failure0(
        "States.ArrayLength('abc')",
        "States.ArrayLength: the argument must be an array, but was a string \"abc\"",
    );
    failure0("States.ArrayLength(null)", "must be an array, but was null");
}

#[test]
fn array_unique() {
    assert_eq!(
        ok(
            "States.ArrayUnique($.a)",
            &json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]})
        ),
        json!([1, 2, 3, 4])
    );
    assert_eq!(
        ok("States.ArrayUnique($.a)", &json!({"a": [1, 2, 2, 3, 3, 4]})),
        json!([1, 2, 3, 4])
    );
    let input = json!([null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"b": 2, "a": 1}, {"a": 1, "b": 1}, 1.0, "1"]);
    assert_eq!(
        ok("States.ArrayUnique($)", &input),
        json!([null, true, false, 1, 1.1, 0, "HelloWorld", [], [null], {"a": 1, "b": 2}, {"a": 1, "b": 1}, 1.0, "1"])
    );
    // Java's `Double.equals` tells 0.0 from -0.0, and Integer 0 from Double 0.0 (compared as
    // text: serde_json's own equality does not tell the zeros apart).
    assert_eq!(
        ok0("States.ArrayUnique(States.Array(0.0, -0.0, 0, -0.0, 0.0))").to_string(),
        "[0.0,-0.0,0]"
    );
    // First occurrences are kept, in order.
    assert_eq!(
        ok0("States.ArrayUnique(States.Array('b', 'a', 'b', 'c', 'a'))"),
        json!(["b", "a", "c"])
    );
    assert_eq!(ok0("States.ArrayUnique(States.Array())"), json!([]));
    // Many items (linear, not quadratic).
    let many: Vec<Value> = (0..20_000).map(|i| json!({"k": i % 1000})).collect();
    assert_eq!(
        ok("States.ArrayUnique($)", &Value::Array(many))
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    failure0(
        "States.ArrayUnique(1)",
        "must be an array, but was a number 1",
    );
}

// ----- encoding and hashing -----

#[test]
fn base64_encode() {
    // Recorded: base_64_encode__00..01.
    assert_eq!(ok("States.Base64Encode($.s)", &json!({"s": ""})), json!(""));
    assert_eq!(
        ok("States.Base64Encode($.s)", &json!({"s": "Data to encode"})),
        json!("RGF0YSB0byBlbmNvZGU=")
    );
    assert_eq!(
        ok0("States.Base64Encode('Hello World')"),
        json!("SGVsbG8gV29ybGQ=")
    );
    assert_eq!(ok0("States.Base64Encode('é')"), json!("w6k="));
    // No line breaks, however long.
    let long = "a".repeat(10_000);
    let encoded = ok("States.Base64Encode($)", &json!(long));
    assert_eq!(encoded.as_str().unwrap().len(), 13_336);
    assert!(!encoded.as_str().unwrap().contains('\n'));
    failure(
        "States.Base64Encode($)",
        &json!("a".repeat(10_001)),
        "the argument has 10001 characters; at most 10000 are allowed",
    );
    // Characters are counted as UTF-16 code units (Java's String.length()).
    failure(
        "States.Base64Encode($)",
        &json!("𝄞".repeat(5_001)),
        "10002 characters",
    );
    ok("States.Base64Encode($)", &json!("é".repeat(10_000)));
    failure0(
        "States.Base64Encode(1)",
        "States.Base64Encode: the argument must be a string, but was a number 1",
    );
}

#[test]
fn base64_decode() {
    assert_eq!(
        ok0("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"),
        json!("Data to encode")
    );
    assert_eq!(
        ok0("States.Base64Decode('SGVsbG8gV29ybGQ=')"),
        json!("Hello World")
    );
    assert_eq!(ok0("States.Base64Decode('')"), json!(""));
    assert_eq!(ok0("States.Base64Decode('w6k=')"), json!("é"));
    assert_eq!(
        ok0("States.Base64Decode(States.Base64Encode('round trip ✓ 😀'))"),
        json!("round trip ✓ 😀")
    );
    // AWS documents the "MIME Base64 decoding scheme" (RFC 2045), as Java's MIME decoder
    // applies it: padding is optional; characters outside the alphabet (line breaks, spaces,
    // anything else) are skipped, also after the padding.
    for (encoded, decoded) in [
        ("SGVsbG8gV29ybGQ", "Hello World"),
        ("SGVsbG8g\r\nV29ybGQ=\n", "Hello World"),
        ("SGVs bG8*!", "Hello"),
        ("SGVsbG8gV29ybGQ==", "Hello World"),
        ("SGVsbG8=\n\n", "Hello"),
        (" \t", ""),
        // The unused low bits of the last group are ignored (`QR==` and `QQ==` are both "A").
        ("QR==", "A"),
        ("QQ", "A"),
    ] {
        assert_eq!(
            ok("States.Base64Decode($)", &json!(encoded)),
            json!(decoded),
            "{encoded:?}"
        );
    }
    for (encoded, why) in [
        ("a", "the last group has a single character"),
        ("SGVsbG8=x", "Base64 characters follow the '=' padding"),
        (
            "SGVsbA=",
            "two characters of a group must be followed by '=='",
        ),
        (
            "SGVsbA= =",
            "two characters of a group must be followed by '=='",
        ),
        ("=SGVs", "'=' cannot start a group"),
        ("SGVs=", "'=' cannot start a group"),
        ("S=", "the last group has a single character"),
    ] {
        failure(
            "States.Base64Decode($)",
            &json!(encoded),
            &format!("States.Base64Decode: the argument is not valid Base64: {why}"),
        );
    }
    // Bytes that are not UTF-8 become U+FFFD, as Java's `new String(bytes, UTF_8)` makes
    // them: 0xFF 0xFE, and a truncated 4-byte sequence (F0 9F 98) as one.
    assert_eq!(
        ok0("States.Base64Decode('//4=')"),
        json!("\u{FFFD}\u{FFFD}")
    );
    assert_eq!(ok0("States.Base64Decode('8J+Y')"), json!("\u{FFFD}"));
    assert_eq!(ok0("States.Base64Decode('YfCfmA==')"), json!("a\u{FFFD}"));
    // At most 10,000 characters, as the documentation says ("a Base64 encoded data string of
    // up to 10,000 characters").
    ok("States.Base64Decode($)", &json!("A".repeat(10_000)));
    failure(
        "States.Base64Decode($)",
        &json!("A".repeat(10_004)),
        "the argument has 10004 characters; at most 10000 are allowed",
    );
    failure0(
        "States.Base64Decode(null)",
        "must be a string, but was null",
    );
}

#[test]
fn hash() {
    // Recorded: hash__00..04.
    for (algorithm, digest) in [
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        (
            "SHA-256",
            "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
        ),
        (
            "SHA-384",
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
        ),
        (
            "SHA-512",
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
        ),
    ] {
        assert_eq!(
            ok(
                "States.Hash($.fst, $.snd)",
                &json!({"fst": "input data", "snd": algorithm})
            ),
            json!(digest)
        );
    }
    // Recorded: reference_assign_base_reference_in_intrinsic_function.
    assert_eq!(
        ok0("States.Hash('Hash this string', 'SHA-256')"),
        json!("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")
    );
    assert_eq!(
        ok0("States.Hash('', 'MD5')"),
        json!("d41d8cd98f00b204e9800998ecf8427e")
    );
    failure0(
        "States.Hash('x', 'sha-256')",
        "unsupported hash algorithm 'sha-256'; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512",
    );
    failure0("States.Hash('x', 'SHA256')", "unsupported hash algorithm");
    failure0(
        "States.Hash('x', 1)",
        "the algorithm (second argument) must be a string",
    );
    failure0(
        "States.Hash(States.Array(), 'MD5')",
        "the data (first argument) must be a string, but was an array []",
    );
    failure(
        "States.Hash($, 'MD5')",
        &json!("x".repeat(10_001)),
        "has 10001 characters",
    );
    ok("States.Hash($, 'MD5')", &json!("x".repeat(10_000)));
}

// ----- math -----

#[test]
fn math_add_rounds_each_argument_like_java() {
    // Recorded: math_add__00..20.
    for (a, b, sum) in [
        (json!(-9), json!(3), -6),
        (json!(1.49), json!(1.5), 3),
        (json!(1.5), json!(1.51), 4),
        (json!(-1.49), json!(-1.5), -2),
        (json!(-1.5), json!(-1.51), -3),
        (json!(1.49), json!(0), 1),
        (json!(1.49), json!(-1.49), 0),
        (json!(1.5), json!(0), 2),
        (json!(1.51), json!(0), 2),
        (json!(-1.49), json!(0), -1),
        (json!(-1.5), json!(0), -1),
        (json!(-1.51), json!(0), -2),
        (json!(0.5), json!(0), 1),
        (json!(1.5), json!(0), 2),
        (json!(2.5), json!(0), 3),
        (json!(3.5), json!(0), 4),
        (json!(-0.5), json!(0.5), 1),
        (json!(-0.5), json!(0), 0),
        (json!(-1.5), json!(0), -1),
        (json!(-2.5), json!(0), -2),
        (json!(-3.5), json!(0), -3),
    ] {
        let result = ok("States.MathAdd($.fst, $.snd)", &json!({"fst": a, "snd": b}));
        assert_eq!(result, json!(sum), "{a} + {b}");
        assert!(result.is_i64());
    }
    assert_eq!(ok0("States.MathAdd(111, -1)"), json!(110));
    assert_eq!(ok0("States.MathAdd(2147483646, 1)"), json!(2147483647));
    assert_eq!(ok0("States.MathAdd(-2147483648, 0)"), json!(-2147483648));
    assert_eq!(ok0("States.MathAdd(2147483647.4, 0)"), json!(2147483647));
    failure0(
        "States.MathAdd(2147483648, 0)",
        "the first argument (2147483648) is outside the range -2147483648 to 2147483647",
    );
    failure0(
        "States.MathAdd(0, -2147483649)",
        "the second argument (-2147483649)",
    );
    failure0("States.MathAdd(2147483647.5, 0)", "outside the range");
    failure0("States.MathAdd(1e300, 0)", "outside the range");
    failure0(
        "States.MathAdd(2147483647, 1)",
        "the sum 2147483648 is outside the range -2147483648 to 2147483647",
    );
    failure0(
        "States.MathAdd('1', 2)",
        "States.MathAdd: the first argument must be a number, but was a string \"1\"",
    );
    failure0(
        "States.MathAdd(1, true)",
        "the second argument must be a number, but was a boolean true",
    );
}

#[test]
fn java_math_round() {
    // Checked against Java's Math.round.
    for (x, expected) in [
        (1.49, 1),
        (1.5, 2),
        (-1.5, -1),
        (-1.51, -2),
        (0.5, 1),
        (-0.5, 0),
        (2.5, 3),
        (-2.5, -2),
        (0.49999999999999994, 0),
        (-0.49999999999999994, 0),
        (4503599627370497.0, 4503599627370497),
        (1e19, i64::MAX),
        (-1e19, i64::MIN),
    ] {
        assert_eq!(java_round(x), expected, "{x}");
    }
}

#[test]
fn math_random() {
    // Recorded: math_random__00..02 (the values themselves differ per run).
    for (start, end, lo, hi) in [
        (json!(12.5), json!(44.51), 13, 45),
        (json!(9999), json!(99999), 9999, 99999),
        (json!(-99999), json!(-9999), -99999, -9999),
    ] {
        let input = json!({"fst": start, "snd": end});
        let call = parse("States.MathRandom($.fst, $.snd)");
        let mut entropy = SplitMix64(99);
        for _ in 0..200 {
            let v = call
                .evaluate(&Env::document(&input), &mut entropy)
                .unwrap()
                .as_i64()
                .unwrap();
            assert!((lo..hi).contains(&v), "{v} not in {lo}..{hi}");
        }
    }
    // The extremes of the entropy source map to the ends of the range.
    let call = parse("States.MathRandom(1, 999)");
    let env_input = json!({});
    let env = Env::document(&env_input);
    assert_eq!(call.evaluate(&env, &mut Fixed(0)).unwrap(), json!(1));
    assert_eq!(
        call.evaluate(&env, &mut Fixed(u64::MAX)).unwrap(),
        json!(998)
    );
    assert_eq!(
        parse("States.MathRandom(5, 6)")
            .evaluate(&env, &mut Fixed(u64::MAX))
            .unwrap(),
        json!(5)
    );
    // Deterministic for a given entropy source.
    let a = call.evaluate(&env, &mut SplitMix64(5)).unwrap();
    let b = call.evaluate(&env, &mut SplitMix64(5)).unwrap();
    assert_eq!(a, b);
    // The full 64-bit span works.
    let wide = parse("States.MathRandom(-9223372036854775808, 9223372036854775807)");
    assert_eq!(wide.evaluate(&env, &mut Fixed(0)).unwrap(), json!(i64::MIN));
    assert_eq!(
        wide.evaluate(&env, &mut Fixed(u64::MAX)).unwrap(),
        json!(i64::MAX - 1)
    );

    failure0(
        "States.MathRandom(5, 5)",
        "the start (5) must be less than the end (5)",
    );
    failure0("States.MathRandom(6, 5)", "must be less than the end");
    failure0(
        "States.MathRandom(1.5, 1.6)",
        "the start (2) must be less than the end (2)",
    );
    failure0(
        "States.MathRandom('1', 5)",
        "the start (first argument) must be a number, but was a string \"1\"",
    );
    failure0(
        "States.MathRandom(1, 5, 1.5)",
        "the seed (third argument) must be an integer",
    );
    failure0(
        "States.MathRandom(1, 5, 'x')",
        "the seed (third argument) must be a number",
    );
}

#[test]
fn seeded_math_random_is_java_util_random() {
    // Checked against `new java.util.Random(seed).nextInt(end - start)`.
    let env_input = json!({});
    let env = Env::document(&env_input);
    for (seed, start, end, expected) in [
        (42, 0, 10, 0),
        (42, 0, 100, 30),
        (0, 0, 7, 5),
        (1, 0, 1000, 985),
        (-5, 0, 16, 4),
        (123456789, 0, 99999, 25225),
        (7, 0, 1, 0),
        (42, 100, 200, 130),
    ] {
        let expr = format!("States.MathRandom({start}, {end}, {seed})");
        // The entropy source is not consulted when there is a seed.
        let v = parse(&expr).evaluate(&env, &mut Fixed(0)).unwrap();
        assert_eq!(v, json!(expected), "{expr}");
        let again = parse(&expr).evaluate(&env, &mut Fixed(u64::MAX)).unwrap();
        assert_eq!(again, v, "{expr}");
    }
    let mut r = JavaRandom::new(42);
    assert_eq!((r.next_int(10), r.next_int(10)), (0, 3));
    let mut r = JavaRandom::new(42);
    assert_eq!((r.next_int(100), r.next_int(100)), (30, 63));
    let mut r = JavaRandom::new(123456789);
    assert_eq!((r.next_int(99999), r.next_int(99999)), (25225, 25992));
    assert_eq!(JavaRandom::new(42).next_long(), -5025562857975149833);
    // Seeds are integers; 2.0 counts as one.
    assert_eq!(
        parse("States.MathRandom(0, 10, 42.0)")
            .evaluate(&env, &mut Fixed(0))
            .unwrap(),
        json!(0)
    );
}

// ----- strings and UUIDs -----

#[test]
fn string_split() {
    // Recorded: string_split__00..06.
    for (s, delimiters, expected) in [
        (" ", ",", json!([" "])),
        (" , ", ",", json!([" ", " "])),
        (", , ,", ",", json!([" ", " "])),
        (",,,,", ",", json!([])),
        ("1,2,3,4,5", ",", json!(["1", "2", "3", "4", "5"])),
        (
            "This.is+a,test=string",
            ".+,=",
            json!(["This", "is", "a", "test", "string"]),
        ),
        (
            "split on T and \nnew line",
            "T\n",
            json!(["split on ", " and ", "new line"]),
        ),
    ] {
        assert_eq!(
            ok(
                "States.StringSplit($.fst, $.snd)",
                &json!({"fst": s, "snd": delimiters})
            ),
            expected,
            "{s:?} / {delimiters:?}"
        );
    }
    // Checked against Java's StringTokenizer.
    assert_eq!(ok0("States.StringSplit(',a,,b,', ',')"), json!(["a", "b"]));
    assert_eq!(ok0("States.StringSplit('abc', '')"), json!(["abc"]));
    assert_eq!(ok0("States.StringSplit('', ',')"), json!([]));
    assert_eq!(ok0("States.StringSplit('', '')"), json!([]));
    assert_eq!(
        ok0("States.StringSplit('a--b-c', '--')"),
        json!(["a", "b", "c"])
    );
    assert_eq!(
        ok0("States.StringSplit('a✓b𝄞c', '𝄞✓')"),
        json!(["a", "b", "c"])
    );
    assert_eq!(ok0("States.StringSplit('a,b', '\\\\')"), json!(["a,b"]));
    failure0(
        "States.StringSplit(1, ',')",
        "States.StringSplit: the first argument must be a string, but was a number 1",
    );
    failure0(
        "States.StringSplit('a', States.Array(','))",
        "the delimiter (second argument) must be a string",
    );
}

#[test]
fn uuid() {
    let env_input = json!({});
    let env = Env::document(&env_input);
    let call = parse("States.UUID()");
    let mut entropy = SplitMix64(2024);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100 {
        let v = call.evaluate(&env, &mut entropy).unwrap();
        let s = v.as_str().unwrap().to_string();
        assert_eq!(s.len(), 36);
        let groups: Vec<&str> = s.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            s.chars()
                .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert!(groups[2].starts_with('4'), "version 4: {s}");
        assert!(
            matches!(groups[3].chars().next(), Some('8' | '9' | 'a' | 'b')),
            "RFC 4122 variant: {s}"
        );
        assert!(seen.insert(s));
    }
    // Same entropy, same UUID.
    assert_eq!(
        call.evaluate(&env, &mut SplitMix64(1)).unwrap(),
        call.evaluate(&env, &mut SplitMix64(1)).unwrap()
    );
    assert_eq!(
        call.evaluate(&env, &mut Fixed(0)).unwrap(),
        json!("00000000-0000-4000-8000-000000000000")
    );
    assert_eq!(
        call.evaluate(&env, &mut Fixed(u64::MAX)).unwrap(),
        json!("ffffffff-ffff-4fff-bfff-ffffffffffff")
    );
}

#[test]
fn recorded_assign_from_intrinsic_functions() {
    // The operations of assign_from_value_base_assign_from_intrinsic_function and
    // reference_assign_base_reference_in_intrinsic_function.
    let input = json!({
        "inputArray": [1, 2, 3, 4, 5, 6], "duplicateArray": [1, 2, 2, 3, 3, 4],
        "rawString": "Hello World", "encodedString": "SGVsbG8gV29ybGQ=",
        "json1": {"a": 1, "b": 2}, "json2": {"c": 3, "d": 4},
        "jsonString": "{\"key\":\"value\"}", "jsonObject": {"test": "object"},
        "value1": 5, "value2": 3, "csvString": "a,b,c,d,e", "name": "John", "place": "LocalStack"
    });
    for (expr, expected) in [
        ("States.Array('a', 'b', 'c')", json!(["a", "b", "c"])),
        (
            "States.ArrayPartition($.inputArray, 2)",
            json!([[1, 2], [3, 4], [5, 6]]),
        ),
        ("States.ArrayContains($.inputArray, 5)", json!(true)),
        ("States.ArrayRange(1, 10, 2)", json!([1, 3, 5, 7, 9])),
        ("States.ArrayGetItem($.inputArray, 2)", json!(3)),
        ("States.ArrayLength($.inputArray)", json!(6)),
        ("States.ArrayUnique($.duplicateArray)", json!([1, 2, 3, 4])),
        (
            "States.Base64Encode($.rawString)",
            json!("SGVsbG8gV29ybGQ="),
        ),
        ("States.Base64Decode($.encodedString)", json!("Hello World")),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            json!({"a": 1, "b": 2, "c": 3, "d": 4}),
        ),
        ("States.StringToJson($.jsonString)", json!({"key": "value"})),
        (
            "States.JsonToString($.jsonObject)",
            json!("{\"test\":\"object\"}"),
        ),
        ("States.MathAdd($.value1, $.value2)", json!(8)),
        (
            "States.StringSplit($.csvString, ',')",
            json!(["a", "b", "c", "d", "e"]),
        ),
        (
            "States.Format('Hello {}, welcome to {}!', $.name, $.place)",
            json!("Hello John, welcome to LocalStack!"),
        ),
    ] {
        assert_eq!(ok(expr, &input), expected, "{expr}");
    }
}

#[test]
fn errors_are_asl_errors() {
    // States.Runtime, not the reserved States.IntrinsicFailure (AWS's error-handling page).
    let e = eval("States.ArrayLength(1)", &json!({})).unwrap_err();
    assert_eq!(e.error, "States.Runtime");
    assert_eq!(
        e.to_string(),
        "States.Runtime: States.ArrayLength: the argument must be an array, but was a number 1"
    );
    // Long values are cut in causes.
    let e = eval("States.ArrayLength($)", &json!("x".repeat(500))).unwrap_err();
    assert!(e.cause.unwrap().len() < 250);
    let syntax = IntrinsicCall::parse("States.Nope()").unwrap_err();
    assert!(syntax.to_string().ends_with("(at character 0)"), "{syntax}");
}

// ----- edge inputs, function by function -----
//
// Empty and blank strings, nulls, wrong types, empty arrays and objects, numbers at and past
// the 32- and 64-bit ranges, -0 and integral decimals, and Unicode beyond the BMP or with
// combining characters. The rules come from AWS's documentation (intrinsic-functions.html:
// "Input validation" of each function), from the recorded corpus (cited where a case
// applies) and, where neither says, from the Java behaviour those establish (Jackson reads the
// input into Java objects; Format prints them with `toString`, MathAdd rounds with
// `Math.round`): each such expectation says so.

#[test]
fn format_edge_inputs() {
    let input = json!({
        "empty": "", "blank": "  \t", "nul": null, "obj": {}, "arr": [], "nested": {"a": [{"b": null}]},
        "combining": "e\u{301}", "emoji": "😀", "neg_zero": -0.0, "three": 3.0, "huge": 1e308,
        "big_int": 9223372036854775807i64
    });
    let f = |expr: &str| ok(expr, &input);
    // Recorded (format_1__00, __01, __03): empty and blank strings and null.
    assert_eq!(f("States.Format('[{}]', $.empty)"), json!("[]"));
    assert_eq!(f("States.Format('[{}]', $.blank)"), json!("[  \t]"));
    assert_eq!(f("States.Format('[{}]', $.nul)"), json!("[null]"));
    assert_eq!(f("States.Format('[{}]', null)"), json!("[null]"));
    // Java's toString of an empty Map, an empty List and nested ones.
    assert_eq!(f("States.Format('{} {}', $.obj, $.arr)"), json!("{} []"));
    assert_eq!(f("States.Format('{}', $.nested)"), json!("{a=[{b=null}]}"));
    // Double.toString: -0.0, an integral decimal, the largest magnitudes.
    assert_eq!(f("States.Format('{}', $.neg_zero)"), json!("-0.0"));
    assert_eq!(f("States.Format('{}', $.three)"), json!("3.0"));
    assert_eq!(f("States.Format('{}', $.huge)"), json!("1.0E308"));
    assert_eq!(
        f("States.Format('{}', $.big_int)"),
        json!("9223372036854775807")
    );
    // Characters are copied as they are: combining marks and characters beyond the BMP.
    assert_eq!(
        f("States.Format('{}|{}|é', $.combining, $.emoji)"),
        json!("e\u{301}|😀|é")
    );
    // The template itself can be empty or blank.
    assert_eq!(f("States.Format('')"), json!(""));
    assert_eq!(f("States.Format(' ')"), json!(" "));
    assert_eq!(f("States.Format($.empty)"), json!(""));
    // As many values as placeholders, no more, no fewer (the documentation's "There must be as
    // many remaining arguments ... as there are occurrences of {}").
    failure(
        "States.Format($.empty, 1)",
        &input,
        "has 0 placeholders '{}' but 1 value was given",
    );
    failure(
        "States.Format('{}{}{}', 1, 2)",
        &input,
        "has 3 placeholders '{}' but 2 values were given",
    );
    failure(
        "States.Format($.nul, 1)",
        &input,
        "the first argument (the format string) must be a string, but was null",
    );
    failure(
        "States.Format($.obj)",
        &input,
        "must be a string, but was an object {}",
    );
}

#[test]
fn string_to_json_edge_inputs() {
    let run = |text: &str| eval("States.StringToJson($)", &json!(text));
    // "null", and surrounding whitespace, are JSON texts.
    assert_eq!(run("null").unwrap(), json!(null));
    assert_eq!(run(" \n null \t").unwrap(), json!(null));
    assert_eq!(run("\"\\u00e9\\ud83d\\ude00\"").unwrap(), json!("é😀"));
    assert_eq!(run("[]").unwrap(), json!([]));
    assert_eq!(run("{}").unwrap(), json!({}));
    assert_eq!(
        run("{\"a\": {\"b\": [1, 2.5, true]}}").unwrap(),
        json!({"a": {"b": [1, 2.5, true]}})
    );
    // An empty or blank string holds no JSON text; neither does a truncated one or one with
    // more after the value.
    for text in [
        "",
        "   ",
        "\n",
        "{",
        "[1,",
        "{\"a\" 1}",
        "'single'",
        "1 2",
        "{} x",
        "nul",
    ] {
        let e = run(text).unwrap_err();
        assert_eq!(e.error, names::RUNTIME, "{text:?}");
        assert!(
            e.cause
                .as_deref()
                .unwrap()
                .starts_with("States.StringToJson: the string is not valid JSON"),
            "{text:?}: {e}"
        );
    }
    for (arg, what) in [
        ("null", "null"),
        ("1", "a number 1"),
        ("true", "a boolean true"),
    ] {
        failure0(
            &format!("States.StringToJson({arg})"),
            &format!("the argument must be a string, but was {what}"),
        );
    }
}

#[test]
fn json_to_string_writes_json_as_jackson_does() {
    // Recorded (assign_from_value_base_assign_from_intrinsic_function): compact, members in
    // order. Numbers: Jackson writes a decimal with Double.toString, the same digits that
    // States.Format shows (format_1__05 records 1.1 as "1.1").
    let input = json!({
        "floats": [1.5, 2.0, -0.0, 1e300, 12345678.9, 0.0001, 1e-7],
        "ints": [0, -1, 18446744073709551615u64, -9223372036854775808i64],
        "text": "tab\t nl\n quote\" back\\ bell\u{7} us\u{1f} del\u{7f} é😀 </script>",
        "empty": {"o": {}, "a": [], "s": ""}
    });
    assert_eq!(
        ok("States.JsonToString($.floats)", &input),
        json!("[1.5,2.0,-0.0,1.0E300,1.23456789E7,1.0E-4,1.0E-7]")
    );
    assert_eq!(
        ok("States.JsonToString($.ints)", &input),
        json!("[0,-1,18446744073709551615,-9223372036854775808]")
    );
    // Jackson escapes `"`, `\` and the control characters (the short forms where JSON has
    // them, else \u00XX with uppercase hex); everything else, DEL and non-ASCII included, is
    // written as is.
    assert_eq!(
        ok("States.JsonToString($.text)", &input),
        json!("\"tab\\t nl\\n quote\\\" back\\\\ bell\\u0007 us\\u001F del\u{7f} é😀 </script>\"")
    );
    assert_eq!(
        ok("States.JsonToString($.empty)", &input),
        json!("{\"o\":{},\"a\":[],\"s\":\"\"}")
    );
    assert_eq!(ok0("States.JsonToString('')"), json!("\"\""));
    assert_eq!(ok0("States.JsonToString(true)"), json!("true"));
    // What JsonToString writes, StringToJson reads back.
    assert_eq!(
        ok("States.StringToJson(States.JsonToString($))", &input),
        input
    );
}

#[test]
fn json_merge_edge_inputs() {
    let input =
        json!({"a": {"k": null, "n": {"x": 1}}, "b": {"k": 1, "n": {"y": 2}}, "e": {}, "l": [1]});
    // Shallow: the second object's members replace the first's, null included; nested
    // objects are not merged (the documentation's example).
    assert_eq!(
        ok("States.JsonMerge($.a, $.b, false)", &input),
        json!({"k": 1, "n": {"y": 2}})
    );
    assert_eq!(
        ok("States.JsonMerge($.b, $.a, false)", &input),
        json!({"k": null, "n": {"x": 1}})
    );
    assert_eq!(ok("States.JsonMerge($.e, $.e, false)", &input), json!({}));
    assert_eq!(ok("States.JsonMerge($.e, $.a, false)", &input), input["a"]);
    // "Currently, Step Functions only supports the shallow merging mode; therefore, you must
    // specify the boolean value as false."
    failure(
        "States.JsonMerge($.a, $.b, true)",
        &input,
        "States.JsonMerge: deep merging is not supported; the third argument must be false",
    );
    for (args, needle) in [
        (
            "null, $.b, false",
            "the first argument must be a JSON object, but was null",
        ),
        (
            "$.l, $.b, false",
            "the first argument must be a JSON object, but was an array [1]",
        ),
        (
            "$.a, '', false",
            "the second argument must be a JSON object, but was a string \"\"",
        ),
        (
            "$.a, $.b, 0",
            "the third argument (deep merge) must be the boolean false, but was a number 0",
        ),
    ] {
        failure(&format!("States.JsonMerge({args})"), &input, needle);
    }
}

#[test]
fn array_edge_inputs() {
    let input = json!({"empty": [], "obj": {}, "neg_zero": -0.0, "zeros": [0.0, 0, -0.0], "big": 18446744073709551615u64});
    // States.Array takes any values, null included.
    assert_eq!(ok0("States.Array(null, '', ' ')"), json!([null, "", " "]));
    // ArrayPartition: the chunk size is rounded (Math.round), then must be at least 1.
    assert_eq!(
        ok0("States.ArrayPartition(States.Array(1, 2, 3), 0.5)"),
        json!([[1], [2], [3]])
    );
    assert_eq!(
        ok0("States.ArrayPartition(States.Array(1, 2, 3), 3.0)"),
        json!([[1, 2, 3]])
    );
    assert_eq!(ok("States.ArrayPartition($.empty, 1)", &input), json!([]));
    assert_eq!(
        ok("States.ArrayPartition(States.Array(1), $.big)", &input),
        json!([[1]])
    );
    failure(
        "States.ArrayPartition(States.Array(1), $.neg_zero)",
        &input,
        "the chunk size must be a positive integer, but was 0",
    );
    failure(
        "States.ArrayPartition(States.Array(1), -1e300)",
        &input,
        "the chunk size must be a positive integer, but was -9223372036854775808",
    );
    failure(
        "States.ArrayPartition($.obj, 1)",
        &input,
        "the first argument must be an array, but was an object {}",
    );
    failure(
        "States.ArrayPartition(null, 1)",
        &input,
        "the first argument must be an array, but was null",
    );
    // ArrayContains: any JSON value can be looked for, with Java's equality (-0.0 is not 0.0,
    // 0 is not 0.0).
    for (needle, found) in [("0.0", true), ("0", true), ("-0.0", true), ("1", false)] {
        assert_eq!(
            ok(&format!("States.ArrayContains($.zeros, {needle})"), &input),
            json!(found),
            "{needle}"
        );
    }
    assert_eq!(
        ok(
            "States.ArrayContains(States.Array(0.0), $.neg_zero)",
            &input
        ),
        json!(false)
    );
    assert_eq!(
        ok("States.ArrayContains(States.Array(0), 0.0)", &input),
        json!(false)
    );
    assert_eq!(
        ok(
            "States.ArrayContains(States.Array($.obj, $.empty), $.empty)",
            &input
        ),
        json!(true)
    );
    assert_eq!(
        ok("States.ArrayContains(States.Array(''), '')", &input),
        json!(true)
    );
    assert_eq!(
        ok("States.ArrayContains(States.Array(' '), '')", &input),
        json!(false)
    );
    // ArrayGetItem: the index must be an integer (2.0 is one) inside the array; -0.0 is 0.
    assert_eq!(
        ok(
            "States.ArrayGetItem(States.Array('a', 'b'), $.neg_zero)",
            &input
        ),
        json!("a")
    );
    for index in ["2", "-1", "1e19", "-1e19", "$.big", "9223372036854775807"] {
        failure(
            &format!("States.ArrayGetItem(States.Array('a', 'b'), {index})"),
            &input,
            "is out of bounds for an array of 2 items",
        );
    }
    failure(
        "States.ArrayGetItem($.empty, 0)",
        &input,
        "index 0 is out of bounds for an array of 0 items",
    );
    failure(
        "States.ArrayGetItem(States.Array(1), null)",
        &input,
        "the index must be a number, but was null",
    );
    failure(
        "States.ArrayGetItem(States.Array(1), 0.5)",
        &input,
        "the index must be an integer, but was 0.5",
    );
    // ArrayLength and ArrayUnique of empty arrays, and of things that are not arrays.
    assert_eq!(ok("States.ArrayLength($.empty)", &input), json!(0));
    assert_eq!(ok("States.ArrayUnique($.empty)", &input), json!([]));
    failure(
        "States.ArrayLength($.obj)",
        &input,
        "the argument must be an array, but was an object {}",
    );
    failure(
        "States.ArrayUnique('')",
        &input,
        "the argument must be an array, but was a string \"\"",
    );
}

#[test]
fn array_range_edge_inputs() {
    // "You must specify a non-zero value for the third argument"; "can't contain more than
    // 1000 items"; non-integers are rounded (Math.round).
    assert_eq!(ok0("States.ArrayRange(5, 1, -2)"), json!([5, 3, 1]));
    assert_eq!(ok0("States.ArrayRange(1, 2, 5)"), json!([1]));
    assert_eq!(ok0("States.ArrayRange(-3, -1, 1)"), json!([-3, -2, -1]));
    assert_eq!(ok0("States.ArrayRange(0, 0, -1)"), json!([0]));
    assert_eq!(ok0("States.ArrayRange(-0.0, 2.0, 1.0)"), json!([0, 1, 2]));
    assert_eq!(ok0("States.ArrayRange(-0.5, 0.49, 1)"), json!([0]));
    assert_eq!(
        ok0("States.ArrayRange(1000, 1, -1)")
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    failure0(
        "States.ArrayRange(1000, 0, -1)",
        "the range would have 1001 items; at most 1000 are allowed",
    );
    failure0("States.ArrayRange(0, 1, -0.4)", "must not be 0");
    failure0(
        "States.ArrayRange(0, 1e300, 1)",
        "the range would have 9223372036854775808 items",
    );
    failure0(
        "States.ArrayRange(0, 10, '1')",
        "the third argument (the step) must be a number, but was a string \"1\"",
    );
}

#[test]
fn base64_encode_edge_inputs() {
    // The UTF-8 bytes of the string: blank, combining, beyond the BMP.
    for (text, encoded) in [
        (" ", "IA=="),
        ("\t\n", "CQo="),
        ("e\u{301}", "ZcyB"),
        ("😀", "8J+YgA=="),
    ] {
        assert_eq!(
            ok("States.Base64Encode($)", &json!(text)),
            json!(encoded),
            "{text:?}"
        );
    }
    // 10,000 characters counted as Java counts them (UTF-16 units): 5,000 emoji are 10,000.
    ok("States.Base64Encode($)", &json!("😀".repeat(5_000)));
    failure0(
        "States.Base64Encode(null)",
        "must be a string, but was null",
    );
    failure0(
        "States.Base64Encode(States.Array())",
        "must be a string, but was an array []",
    );
}

#[test]
fn hash_edge_inputs() {
    // The digest of the string's UTF-8 bytes (checked with Python's hashlib).
    for (text, md5) in [
        (" ", "7215ee9c7d9dc229d2921a40e899ec5f"),
        ("é", "66ddcd97cfdeabb2f6fb8a999b4bc76f"),
        ("e\u{301}", "5526861fbb1e71a1bda6ac364310a807"),
        ("😀", "2a02eac39d716a70ecf37579185927b6"),
    ] {
        assert_eq!(
            ok("States.Hash($, 'MD5')", &json!(text)),
            json!(md5),
            "{text:?}"
        );
    }
    assert_eq!(
        ok("States.Hash($, 'SHA-256')", &json!("😀")),
        json!("f0443a342c5ef54783a111b51ba56c938e474c32324d90c3a60c9c8e3a37e2d9")
    );
    // "10,000 characters or less", counted in UTF-16 units.
    ok("States.Hash($, 'SHA-1')", &json!("😀".repeat(5_000)));
    failure(
        "States.Hash($, 'SHA-1')",
        &json!("😀".repeat(5_001)),
        "the data (first argument) has 10002 characters; at most 10000 are allowed",
    );
    // The algorithm is one of the five names, exactly.
    for algorithm in ["''", "' MD5'", "'md5'", "'SHA-224'", "'SHA3-256'", "null"] {
        let needle = if algorithm == "null" {
            "the algorithm (second argument) must be a string, but was null"
        } else {
            "unsupported hash algorithm"
        };
        failure0(&format!("States.Hash('x', {algorithm})"), needle);
    }
    failure0(
        "States.Hash(null, 'MD5')",
        "the data (first argument) must be a string, but was null",
    );
}

#[test]
fn math_edge_inputs() {
    let input =
        json!({"neg_zero": -0.0, "three": 3.0, "max_u64": 18446744073709551615u64, "huge": 1e308});
    let f = |expr: &str| ok(expr, &input);
    // "If you specify a non-integer value ..., Step Functions will round it off to the nearest
    // integer" (Math.round: halves go up); -0.0 and 3.0 are 0 and 3.
    assert_eq!(f("States.MathAdd($.neg_zero, $.three)"), json!(3));
    assert_eq!(f("States.MathAdd(-0, 0)"), json!(0));
    // "You must specify integer values in the range of -2147483648 and 2147483647", after
    // rounding: -2147483648.5 rounds up to -2147483648.
    assert_eq!(f("States.MathAdd(-2147483648.5, 0)"), json!(-2147483648i64));
    assert_eq!(f("States.MathAdd(-2147483648, 2147483647)"), json!(-1));
    for (args, needle) in [
        (
            "-2147483648.6, 0",
            "the first argument (-2147483649) is outside the range",
        ),
        (
            "$.max_u64, 0",
            "the first argument (9223372036854775807) is outside the range",
        ),
        (
            "0, $.huge",
            "the second argument (9223372036854775807) is outside the range",
        ),
        (
            "-2147483648, -1",
            "the sum -2147483649 is outside the range",
        ),
        (
            "null, 1",
            "the first argument must be a number, but was null",
        ),
        (
            "1, ''",
            "the second argument must be a number, but was a string \"\"",
        ),
    ] {
        failure(&format!("States.MathAdd({args})"), &input, needle);
    }
    // MathRandom: "a random number between the specified start number (inclusive) and end
    // number (exclusive)", start and end rounded.
    let env = Env::document(&input);
    for expr in [
        "States.MathRandom($.neg_zero, 1)",
        "States.MathRandom(-0.4, 0.5)",
        "States.MathRandom(0, 1, 42)",
    ] {
        assert_eq!(
            parse(expr).evaluate(&env, &mut Fixed(u64::MAX)).unwrap(),
            json!(0),
            "{expr}"
        );
    }
    for (args, needle) in [
        ("1, 0", "the start (1) must be less than the end (0)"),
        ("0.5, 1.4", "the start (1) must be less than the end (1)"),
        (
            "$.huge, 0",
            "the start (9223372036854775807) must be less than the end (0)",
        ),
        (
            "null, 1",
            "the start (first argument) must be a number, but was null",
        ),
        (
            "0, 1, null",
            "the seed (third argument) must be a number, but was null",
        ),
    ] {
        failure(&format!("States.MathRandom({args})"), &input, needle);
    }
}

#[test]
fn string_split_edge_inputs() {
    // Java's StringTokenizer: every character of the second string is a delimiter, empty
    // pieces are dropped, and a string with no delimiter (or an empty delimiter string) is
    // one piece. Recorded (string_split__00, __03): " " and ",,,," split by ",".
    for (text, delimiters, pieces) in [
        ("", ",", json!([])),
        ("   ", " ", json!([])),
        ("   ", ",", json!(["   "])),
        ("a b\tc\n", " \t\n", json!(["a", "b", "c"])),
        ("abc", "", json!(["abc"])),
        ("", "", json!([])),
        // Code points, not UTF-16 units: a character beyond the BMP is one delimiter, and a
        // combining mark is a character of its own.
        ("a😀b😀", "😀", json!(["a", "b"])),
        ("e\u{301},x", ",", json!(["e\u{301}", "x"])),
        ("e\u{301}x", "\u{301}", json!(["e", "x"])),
    ] {
        assert_eq!(
            ok(
                "States.StringSplit($.s, $.d)",
                &json!({"s": text, "d": delimiters})
            ),
            pieces,
            "{text:?} / {delimiters:?}"
        );
    }
    failure0(
        "States.StringSplit(null, ',')",
        "the first argument must be a string, but was null",
    );
    failure0(
        "States.StringSplit('a', null)",
        "the delimiter (second argument) must be a string, but was null",
    );
}

#[test]
fn java_equality_of_nested_values() {
    for (a, b, equal) in [
        (
            json!({"a": [1, {"b": 0.0}], "c": null}),
            json!({"c": null, "a": [1, {"b": 0.0}]}),
            true,
        ),
        (
            json!({"a": [1, {"b": 0.0}]}),
            json!({"a": [1, {"b": -0.0}]}),
            false,
        ),
        (
            json!({"a": [1, {"b": 1}]}),
            json!({"a": [1, {"b": 1.0}]}),
            false,
        ),
        (json!([[1], [2]]), json!([[1], [2], []]), false),
        (json!({"a": 1}), json!({"b": 1}), false),
        (json!({"a": 1}), json!({"a": 1, "b": 2}), false),
        (json!([]), json!({}), false),
        (json!(""), json!(null), false),
        (
            json!(18446744073709551615u64),
            json!(18446744073709551615u64),
            true,
        ),
        (json!(-1.5e300), json!(-1.5e300), true),
    ] {
        assert_eq!(java_equals(&a, &b), equal, "{a} vs {b}");
        assert_eq!(java_equals(&b, &a), equal, "{b} vs {a}");
    }
}
