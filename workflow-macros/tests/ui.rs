//! Compile-fail and compile-pass tests of the DSL: every mistake becomes a compile error on
//! the token that caused it. One mistake per file under `tests/ui/fail/`; the expected
//! errors are in the `.stderr` files next to them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
