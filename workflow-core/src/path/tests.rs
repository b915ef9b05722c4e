use serde_json::{Value, json};

use super::*;

fn sel(path: &str, doc: &Value) -> Result<Value, PathError> {
    Path::parse(path).unwrap().select_owned(&Env::document(doc))
}

#[test]
fn definite_paths_yield_the_value_itself() {
    let doc = json!({"a": {"b": [10, 20, 30]}, "detail-type": "x"});
    assert_eq!(sel("$", &doc).unwrap(), doc);
    assert_eq!(sel("$.a.b[1]", &doc).unwrap(), json!(20));
    assert_eq!(sel("$.a.b[-1]", &doc).unwrap(), json!(30));
    assert_eq!(sel("$['a']['b'][0]", &doc).unwrap(), json!(10));
    assert_eq!(sel("$.detail-type", &doc).unwrap(), json!("x"));
    assert!(Path::parse("$.a.b[1]").unwrap().is_definite());
}

#[test]
fn definite_paths_fail_when_nothing_matches() {
    let doc = json!({"a": {"b": [10]}});
    assert_eq!(sel("$.missing", &doc), Err(PathError::NoMatch));
    assert_eq!(sel("$.a.b[5]", &doc), Err(PathError::NoMatch));
    assert_eq!(sel("$.a.b.c", &doc), Err(PathError::NoMatch));
}

#[test]
fn indefinite_paths_yield_lists() {
    let doc = json!({"items": [{"v": 1}, {"v": 2}, {"v": 3}, {"w": 4}]});
    assert_eq!(sel("$.items[*].v", &doc).unwrap(), json!([1, 2, 3]));
    assert_eq!(sel("$.items[1:].v", &doc).unwrap(), json!([2, 3]));
    assert_eq!(sel("$.items[:1]", &doc).unwrap(), json!([{"v": 1}]));
    assert_eq!(sel("$.items[0,2].v", &doc).unwrap(), json!([1, 3]));
    assert_eq!(sel("$..v", &doc).unwrap(), json!([1, 2, 3]));
    assert_eq!(sel("$.missing[*]", &doc).unwrap(), json!([]));
    assert_eq!(sel("$[*]", &json!({})).unwrap(), json!([]));
    assert_eq!(sel("$.items[-2:].w", &doc).unwrap(), json!([4]));
}

#[test]
fn filters_follow_jayway() {
    let doc = json!({"books": [
        {"title": "a", "price": 8, "tags": ["x"]},
        {"title": "b", "price": 12},
        {"title": "c", "price": 5, "isbn": "1"}
    ], "limit": 10, "one": {"price": 1}});
    assert_eq!(
        sel("$.books[?(@.price < 10)].title", &doc).unwrap(),
        json!(["a", "c"])
    );
    assert_eq!(
        sel(
            "$.books[?(@.price < $.limit && @.title != 'a')].title",
            &doc
        )
        .unwrap(),
        json!(["c"])
    );
    assert_eq!(sel("$.books[?(@.isbn)].title", &doc).unwrap(), json!(["c"]));
    assert_eq!(
        sel("$.books[?(!(@.price > 6) || @.title == \"b\")].title", &doc).unwrap(),
        json!(["b", "c"])
    );
    assert_eq!(
        sel("$.books[?(@.title in ['a','b'])].price", &doc).unwrap(),
        json!([8, 12])
    );
    assert_eq!(
        sel("$.books[?(@.tags size 1)].title", &doc).unwrap(),
        json!(["a"])
    );
    // A filter on an object tests the object itself.
    assert_eq!(
        sel("$.one[?(@.price == 1)]", &doc).unwrap(),
        json!([{"price": 1}])
    );
}

#[test]
fn functions() {
    let doc = json!({"a": [3, 1, 2], "s": "hey", "o": {"x": 1, "y": 2}});
    assert_eq!(sel("$.a.length()", &doc).unwrap(), json!(3));
    assert_eq!(sel("$.s.length()", &doc).unwrap(), json!(3));
    assert_eq!(sel("$.a.max()", &doc).unwrap(), json!(3));
    assert_eq!(sel("$.a.sum()", &doc).unwrap(), json!(6));
    assert_eq!(sel("$.o.keys()", &doc).unwrap(), json!(["x", "y"]));
}

#[test]
fn syntax_errors_are_reported() {
    for bad in [
        "",
        "a.b",
        "$.",
        "$[",
        "$.a[",
        "$.a[x]",
        "$.a]",
        "$.a b",
        "$[?(@.a =~ /x/)]",
        "$.a.nope()",
    ] {
        assert!(Path::parse(bad).is_err(), "{bad:?} should not parse");
    }
}

#[test]
fn reference_paths() {
    assert!(Path::parse("$.a.b[0]").unwrap().is_reference());
    assert!(Path::parse("$").unwrap().is_reference());
    assert!(!Path::parse("$.a[*]").unwrap().is_reference());
    assert!(!Path::parse("$..a").unwrap().is_reference());
    assert!(!Path::parse("$.a[1:2]").unwrap().is_reference());
}

#[test]
fn normalized_form_matches_jayway_messages() {
    assert_eq!(
        Path::parse("$.NoSuchInputPath").unwrap().normalized(),
        "$['NoSuchInputPath']"
    );
    assert_eq!(
        Path::parse("$.a[0].b").unwrap().normalized(),
        "$['a'][0]['b']"
    );
}

#[test]
fn variables_and_context() {
    let mut vars = serde_json::Map::new();
    vars.insert("x".into(), json!({"y": [1, 2]}));
    let context = json!({"Execution": {"Name": "n"}});
    let input = json!({});
    let env = Env {
        input: &input,
        context: &context,
        variables: &vars,
    };
    let p = Path::parse("$x.y[1]").unwrap();
    assert_eq!(p.select_owned(&env).unwrap(), json!(2));
    let p = Path::parse("$$.Execution.Name").unwrap();
    assert_eq!(p.select_owned(&env).unwrap(), json!("n"));
    let p = Path::parse("$nope").unwrap();
    assert_eq!(
        p.select_owned(&env),
        Err(PathError::UnknownVariable("nope".into()))
    );
}

#[test]
fn writing_reference_paths() {
    let mut doc = json!({"a": 1});
    write_reference(&mut doc, Path::parse("$.b.c").unwrap().segments(), json!(2)).unwrap();
    assert_eq!(doc, json!({"a": 1, "b": {"c": 2}}));
    write_reference(&mut doc, Path::parse("$.a").unwrap().segments(), json!(3)).unwrap();
    assert_eq!(doc, json!({"a": 3, "b": {"c": 2}}));
    assert!(write_reference(&mut doc, Path::parse("$.a.x").unwrap().segments(), json!(0)).is_err());
    write_reference(&mut doc, &[], json!("all")).unwrap();
    assert_eq!(doc, json!("all"));
}

#[test]
fn copying_writes_match_in_place_writes() {
    let source = json!({"a": 1, "b": {"c": [1, 2, {"d": 3}]}, "n": null});
    for (path, value) in [
        ("$.a", json!(9)),
        ("$.x.y", json!({"z": 1})),
        ("$.b.c[2].d", json!("new")),
        ("$.b.c[-1]", json!(0)),
        ("$.n.m", json!(1)),
        ("$", json!("all")),
    ] {
        let p = Path::parse(path).unwrap();
        let mut in_place = source.clone();
        write_reference(&mut in_place, p.segments(), value.clone()).unwrap();
        let copied = with_reference(&source, p.segments(), value).unwrap();
        assert_eq!(copied, in_place, "{path}");
        assert_eq!(
            copied.to_string(),
            in_place.to_string(),
            "{path}: member order"
        );
    }
    for bad in ["$.a.x", "$.b.c[7]", "$.b.c.x"] {
        let p = Path::parse(bad).unwrap();
        assert!(
            with_reference(&source, p.segments(), json!(1)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn deep_filters_are_refused_and_long_chains_are_flat() {
    let doc = json!({"a": [{"b": 1}, {"b": 2}]});
    // Nesting past the limit is a syntax error, not an exhausted stack.
    for depth in [65, 2_000, 50_000] {
        let parens = format!("$.a[?({}@.b == 1{})]", "(".repeat(depth), ")".repeat(depth));
        let e = Path::parse(&parens).unwrap_err();
        assert!(e.message.contains("nests more than 64 levels"), "{e:?}");
        let nots = format!("$.a[?({}@.b == 1)]", "!".repeat(depth));
        assert!(Path::parse(&nots).is_err());
    }
    // Up to the limit, nesting works.
    let parens = format!("$.a[?({}@.b == 1{})]", "(".repeat(60), ")".repeat(60));
    assert_eq!(sel(&parens, &doc).unwrap(), json!([{"b": 1}]));
    let nots = format!("$.a[?({}@.b == 1)]", "!".repeat(60));
    assert_eq!(sel(&nots, &doc).unwrap(), json!([{"b": 1}]));
    // A chain of 20,000 conditions is one node: parsed, evaluated and dropped flat.
    let chain = vec!["@.b > 0"; 20_000].join(" && ");
    assert_eq!(
        sel(&format!("$.a[?({chain})]"), &doc).unwrap(),
        json!([{"b": 1}, {"b": 2}])
    );
    let chain = vec!["@.b == 5"; 20_000].join(" || ");
    assert_eq!(
        sel(&format!("$.a[?({chain} || @.b == 2)]"), &doc).unwrap(),
        json!([{"b": 2}])
    );
}

// ----- names in bracket notation: quotes, escapes, unicode -----

/// The name of the single step of `$[...]`.
fn bracket_name(path: &str) -> String {
    let p = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match p.segments() {
        [Segment::Name(name)] => name.to_string(),
        other => panic!("{path}: {other:?}"),
    }
}

#[test]
fn bracket_names_unescape_like_jayway() {
    // Jayway's `Utils.unescape`: \\ \' \" \b \f \n \r \t \uXXXX, and a backslash before any
    // other character stands for that character.
    for (path, name) in [
        (r"$['a\'b']", "a'b"),
        (r#"$["a\"b"]"#, "a\"b"),
        (r"$['a\\b']", r"a\b"),
        (r"$['a\\\\b']", r"a\\b"),
        (r"$['a\\']", r"a\"),
        (r#"$['a\"b']"#, "a\"b"),
        (r#"$["a\'b"]"#, "a'b"),
        (r"$['\x']", "x"),
        (r"$['a\/b']", "a/b"),
        (r"$['tab\there']", "tab\there"),
        (r"$['\n\r\b\f']", "\n\r\u{8}\u{c}"),
        // The other quote needs no escape.
        (r#"$['it"s']"#, "it\"s"),
        (r#"$["it's"]"#, "it's"),
        // Brackets, dots, spaces, commas and parentheses inside quotes are plain characters.
        ("$['a.b']", "a.b"),
        ("$['a b']", "a b"),
        ("$['a]b']", "a]b"),
        ("$['a,b']", "a,b"),
        ("$['f(x)']", "f(x)"),
        ("$['$.x']", "$.x"),
        ("$['']", ""),
        ("$[ 'spaced' ]", "spaced"),
        // Unicode: as written, escaped, and surrogate pairs joined.
        ("$['日本語']", "日本語"),
        (r"$['\u0041\u00e9']", "Aé"),
        (r"$['\u65E5']", "日"),
        (r"$['\ud83d\ude00']", "😀"),
        ("$['😀']", "😀"),
        // A combining character stays a separate character: no normalization, as in Java.
        (r"$['e\u0301']", "e\u{301}"),
    ] {
        assert_eq!(bracket_name(path), name, "{path}");
    }
}

#[test]
fn malformed_bracket_names_are_refused() {
    for (path, needle) in [
        // SQL-style doubled quotes are not an escape: Jayway wants ',' or ']' after a name.
        ("$['it''s']", "expected ']'"),
        (r"$['a\']", "unterminated string: a closing ' is missing"),
        ("$['a]", "unterminated string"),
        (r#"$["a]"#, "a closing \" is missing"),
        ("$['a'", "expected ']'"),
        ("$['a' 'b']", "expected ']'"),
        ("$['a',]", "expected a quoted string"),
        // Jayway quotes all names of one bracket like the first.
        (r#"$['a',"b"]"#, "must all be quoted with '"),
        (r"$['\u12']", "4 hexadecimal digits"),
        (r"$['\uzzzz']", "4 hexadecimal digits"),
        (r"$['\ud83d']", "half of a surrogate pair"),
        (r"$['\ude00\ud83d']", "half of a surrogate pair"),
    ] {
        let e = Path::parse(path).expect_err(path);
        assert!(e.message.contains(needle), "{path}: {e}");
    }
    // The error points at the opening quote of an unterminated name.
    assert_eq!(Path::parse(r"$.a['b\']").unwrap_err().offset, 4);
}

#[test]
fn several_names_in_one_bracket() {
    let p = Path::parse(r#"$["a\"1", "b,2"]"#).unwrap();
    assert_eq!(
        p.segments(),
        [Segment::Names(vec!["a\"1".into(), "b,2".into()])]
    );
    let p = Path::parse(r"$['x\'', 'y']").unwrap();
    assert_eq!(
        p.segments(),
        [Segment::Names(vec!["x'".into(), "y".into()])]
    );
}

#[test]
fn a_dot_before_a_bracket_is_allowed() {
    // AWS's intrinsic functions page writes `$.abc.['def ghi']`; Jayway reads it as
    // `$.abc['def ghi']`.
    let doc = json!({"abc": {"def ghi": 1, "l": [5, 6]}});
    assert_eq!(sel("$.abc.['def ghi']", &doc).unwrap(), json!(1));
    assert_eq!(sel("$.abc.l.[1]", &doc).unwrap(), json!(6));
    assert_eq!(sel("$.['abc'].['l'][0]", &doc).unwrap(), json!(5));
    assert!(Path::parse("$.abc.['def ghi']").unwrap().is_reference());
    assert!(Path::parse("$.abc..['x']").is_ok());
    assert!(Path::parse("$.abc.").is_err());
}

#[test]
fn escaped_names_select_and_write_the_same_member() {
    let doc = json!({
        "a'b": 1, "a\"b": 2, "a\\b": 3, "a.b": 4, "a b": 5, "é": 6, "😀": 7,
        "e\u{301}": 8, "nested": {"x'y": {"z\\": 9}}
    });
    for (path, value) in [
        (r"$['a\'b']", 1),
        (r#"$["a'b"]"#, 1),
        (r#"$["a\"b"]"#, 2),
        (r#"$['a"b']"#, 2),
        (r"$['a\\b']", 3),
        ("$['a.b']", 4),
        ("$['a b']", 5),
        (r"$['\u00e9']", 6),
        ("$.é", 6),
        (r"$['\uD83D\uDE00']", 7),
        (r"$['e\u0301']", 8),
        (r"$.nested['x\'y']['z\\']", 9),
        (r"$['nested'].['x\'y'].['z\\']", 9),
    ] {
        assert_eq!(sel(path, &doc).unwrap(), json!(value), "{path}");
    }
    // Precomposed and decomposed é are different names.
    assert_eq!(
        sel("$['é']", &json!({"e\u{301}": 1})),
        Err(PathError::NoMatch)
    );
    // A reference path with escaped names writes the member it reads (ResultPath).
    for path in [
        r"$['a\'b']",
        r#"$["a\"b"]"#,
        r"$['a\\b']",
        "$['a.b']",
        r"$.n['x\'y']['\u00e9']",
    ] {
        let p = Path::parse(path).unwrap();
        let mut target = json!({"n": null});
        write_reference(&mut target, p.segments(), json!("written")).unwrap();
        assert_eq!(sel(path, &target).unwrap(), json!("written"), "{path}");
        let copy = with_reference(&json!({"n": null}), p.segments(), json!("written")).unwrap();
        assert_eq!(copy, target, "{path}");
    }
}

#[test]
fn normalized_names_keep_their_quote_and_escape_like_jayway() {
    // Jayway's `PropertyPathToken.getPathFragment`: the delimiter the name was written with,
    // `\` and `'` escaped.
    for (path, normalized) in [
        ("$.a", "$['a']"),
        (r#"$["a"]"#, r#"$["a"]"#),
        (r"$['it\'s']", r"$['it\'s']"),
        (r#"$["it's"]"#, r#"$["it\'s"]"#),
        (r"$['a\\b']", r"$['a\\b']"),
        // Jayway escapes only `\` and `'`, so a `"` in a `"`-quoted name comes out bare (and
        // that form would not parse back).
        (r#"$["q\"q"]"#, r#"$["q"q"]"#),
        (r#"$.x["y"][0]..['z']"#, r#"$['x']["y"][0]..['z']"#),
        (r#"$["a","b"]"#, r#"$["a","b"]"#),
        ("$.l.length()", "$['l'].Length()"),
        ("$.a[?(@.b == 'c')].d", "$['a'][?]['d']"),
    ] {
        let p = Path::parse(path).unwrap();
        assert_eq!(p.normalized(), normalized, "{path}");
        // The form reads back as the same steps (filters aside).
        if !path.contains('?') && !path.contains('(') && !path.contains("q\\\"q") {
            let back = Path::parse(&p.normalized()).unwrap();
            assert_eq!(back.segments(), p.segments(), "{path}");
        }
    }
}
