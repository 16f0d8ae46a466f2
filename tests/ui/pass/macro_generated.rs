//! Instrumented items written by a `macro_rules!` macro, and closures returned from instrumented
//! functions.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

macro_rules! handler {
    ($name:ident, $value:expr) => {
        #[instrument_metrics]
        fn $name(input: u32) -> Result<u32, String> {
            if input == 0 {
                return Err(stringify!($name).to_owned());
            }
            Ok(input + $value)
        }
    };
}

handler!(first, 1);
handler!(second, 2);

macro_rules! instrumented_body {
    () => {{
        let local = 3;
        local
    }};
}

#[instrument_metrics]
fn body_from_macro() -> u32 {
    instrumented_body!()
}

#[instrument_metrics]
fn adder(n: u32) -> impl Fn(u32) -> u32 {
    move |x| x + n
}

#[instrument_metrics]
fn boxed_adder(n: u32) -> Box<dyn Fn(u32) -> u32 + Send> {
    Box::new(move |x| x + n)
}

#[instrument_metrics]
fn ignored_parameters(_: u32, _unused: &str, #[allow(unused_variables)] unused: u8) -> u32 {
    1
}

fn main() {
    assert_eq!(first(1), Ok(2));
    assert_eq!(second(0), Err("second".to_owned()));
    assert_eq!(body_from_macro(), 3);
    assert_eq!(adder(1)(2), 3);
    assert_eq!(boxed_adder(1)(2), 3);
    assert_eq!(ignored_parameters(1, "", 2), 1);
}
