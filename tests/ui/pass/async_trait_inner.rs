//! `#[instrument_metrics]` written above `#[async_trait]` on an impl block: the attribute expands
//! first and sees native `async fn`s, which async-trait then boxes.
#![deny(warnings)]
#![deny(unused_qualifications)]

use async_trait::async_trait;
use instrument_metrics::instrument_metrics;

#[async_trait]
trait Service {
    async fn call(&self, request: u32) -> Result<u32, String>;
    async fn reset(&mut self);
    async fn shutdown(self: Box<Self>) -> anyhow::Result<()>;
    async fn describe() -> &'static str
    where
        Self: Sized;
    fn sync_name(&self) -> &'static str;
}

struct Doubler {
    calls: u32,
}

#[instrument_metrics]
#[async_trait]
impl Service for Doubler {
    async fn call(&self, request: u32) -> Result<u32, String> {
        tokio::task::yield_now().await;
        if request == 0 {
            return Err("zero".to_owned());
        }
        request.checked_mul(2).ok_or_else(|| "overflow".to_owned())
    }

    async fn reset(&mut self) {
        self.calls = 0;
    }

    async fn shutdown(self: Box<Self>) -> anyhow::Result<()> {
        anyhow::ensure!(self.calls == 0, "still busy");
        Ok(())
    }

    async fn describe() -> &'static str {
        "doubler"
    }

    fn sync_name(&self) -> &'static str {
        "doubler"
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut service = Doubler { calls: 1 };
    assert_eq!(runtime.block_on(service.call(2)), Ok(4));
    assert!(runtime.block_on(service.call(0)).is_err());
    runtime.block_on(service.reset());
    assert_eq!(runtime.block_on(Doubler::describe()), "doubler");
    assert_eq!(service.sync_name(), "doubler");
    let boxed: Box<dyn Service + Send + Sync> = Box::new(service);
    assert!(runtime.block_on(boxed.shutdown()).is_ok());
}
