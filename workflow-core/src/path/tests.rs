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
