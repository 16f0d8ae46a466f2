//! `#[instrument_metrics]` on single methods inside an `#[async_trait]` impl, which async-trait
//! has already turned into functions returning `Pin<Box<dyn Future>>`.
#![deny(warnings)]
#![deny(unused_qualifications)]

use async_trait::async_trait;
use instrument_metrics::instrument_metrics;

#[async_trait]
trait Handler {
    async fn handle(&self, input: &str) -> std::io::Result<usize>;
    async fn plain(&self) -> u8;
    async fn generic<T: Send + 'static>(&self, value: T) -> Option<T>;
}

struct Echo;

#[async_trait]
impl Handler for Echo {
    #[instrument_metrics]
    async fn handle(&self, input: &str) -> std::io::Result<usize> {
        if input.is_empty() {
            return Err(std::io::Error::other("empty"));
        }
        Ok(input.len())
    }

    async fn plain(&self) -> u8 {
        1
    }

    #[instrument_metrics]
    async fn generic<T: Send + 'static>(&self, value: T) -> Option<T> {
        Some(value)
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(Echo.handle("abc")).unwrap(), 3);
    assert!(runtime.block_on(Echo.handle("")).is_err());
    assert_eq!(runtime.block_on(Echo.plain()), 1);
    assert_eq!(runtime.block_on(Echo.generic(5)), Some(5));
}
