//! `install()` inside a multi-thread Tokio runtime, as `#[tokio::main]` runs it: it returns
//! without blocking the runtime, instrumented calls record from every worker, and `/metrics` is
//! served during and after the runtime's life.

mod support;

mod tokio_runtime;

#[test]
fn install_inside_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .unwrap();
    tokio_runtime::install_and_call_inside(runtime, "tokio_multi_thread");
}
