//! Functions returning `impl Future` (or a boxed future) whose body ends in an `async move`
//! block: the future is measured, not its construction.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::future::Future;
use std::pin::Pin;

use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn delayed(x: u32) -> impl Future<Output = u32> {
    let doubled = x * 2;
    async move {
        tokio::task::yield_now().await;
        doubled
    }
}

#[instrument_metrics]
fn fallible(x: u32) -> impl Future<Output = Result<u32, String>> + Send + 'static {
    async move {
        let checked = x.checked_sub(1).ok_or("underflow")?;
        Ok(checked)
    }
}

#[instrument_metrics]
fn borrowing<'a>(items: &'a [u32]) -> impl Future<Output = Option<&'a u32>> + 'a {
    async move { items.first() }
}

#[instrument_metrics]
fn opaque_output() -> impl Future<Output = impl std::fmt::Display> {
    async move { 5 }
}

#[instrument_metrics]
fn boxed(x: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move { x + 1 })
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[instrument_metrics]
fn aliased_boxed(x: u32) -> BoxFuture<Result<u32, String>> {
    Box::pin(async move { Ok(x) })
}

#[instrument_metrics]
fn aliased_collect(n: u32) -> BoxFuture<Vec<u32>> {
    Box::pin(async move { (0..n).collect() })
}

#[instrument_metrics]
fn not_async_tail(x: u32) -> impl Future<Output = u32> {
    std::future::ready(x)
}

struct Client;

impl Client {
    #[instrument_metrics]
    fn request(&self, path: &str) -> impl Future<Output = std::io::Result<usize>> + use<'_> {
        let length = path.len();
        async move {
            let _client = self;
            Ok(length)
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(delayed(2)), 4);
    assert_eq!(runtime.block_on(fallible(2)), Ok(1));
    assert!(runtime.block_on(fallible(0)).is_err());
    assert_eq!(runtime.block_on(borrowing(&[1])), Some(&1));
    assert_eq!(runtime.block_on(opaque_output()).to_string(), "5");
    assert_eq!(runtime.block_on(boxed(1)), 2);
    assert_eq!(runtime.block_on(aliased_boxed(1)), Ok(1));
    assert_eq!(runtime.block_on(not_async_tail(1)), 1);
    assert_eq!(runtime.block_on(aliased_collect(2)), [0, 1]);
    assert_eq!(runtime.block_on(Client.request("/a")).unwrap(), 2);
}
