//! Compile-time behaviour of `#[instrument_metrics]`: every supported signature shape compiles
//! warning-free and runs (`ui/pass`), and every misuse is one error on the offending token with
//! no secondary errors (`ui/fail`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
