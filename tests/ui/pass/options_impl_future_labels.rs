//! Argument labels on functions that return a future: `-> impl Future`, a boxed future, and an
//! `async move` block the body returns; the values are taken when the function is called.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::future::Future;
use std::pin::Pin;

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(Clone, Copy, MetricLabel)]
enum Priority {
    High,
    Low,
}

#[instrument_metrics(name = "queue_jobs", labels(queue = "mail", priority))]
fn send(priority: Priority, to: String) -> impl Future<Output = Result<usize, std::io::Error>> {
    async move {
        tokio::task::yield_now().await;
        if to.is_empty() {
            return Err(std::io::Error::other("no recipient"));
        }
        Ok(to.len() + priority as usize)
    }
}

#[instrument_metrics(labels(priority, urgent = matches!(priority, Priority::High)))]
fn boxed(priority: Priority) -> Pin<Box<dyn Future<Output = u8> + Send>> {
    Box::pin(async move { priority as u8 })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert_eq!(send(Priority::High, "a@b".to_owned()).await.unwrap(), 3);
        assert!(send(Priority::Low, String::new()).await.is_err());
        assert_eq!(boxed(Priority::Low).await, 1);
    });
}
