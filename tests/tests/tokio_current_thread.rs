//! `install()` inside a current-thread Tokio runtime, as `#[tokio::main(flavor = "current_thread")]`
//! runs it: it returns without blocking the runtime, instrumented calls record, `/metrics` is
//! served while the runtime's only thread is busy, and still after the runtime is gone.

mod support;

mod tokio_runtime;

#[test]
fn install_inside_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio_runtime::install_and_call_inside(runtime, "tokio_current_thread");
}
