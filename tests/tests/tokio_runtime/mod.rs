//! The scenario both Tokio runtime flavours run: install inside `block_on`, call instrumented sync
//! and async functions from tasks, scrape `/metrics` over TCP from inside and after the runtime.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use instrument_metrics::{Builder, instrument_metrics};

use crate::support::calls::{Calls, calls};
use crate::support::http::scrape;

#[instrument_metrics]
async fn in_runtime_async(fail: bool) -> io::Result<u8> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
fn in_runtime_sync(fail: bool) -> io::Result<u8> {
    if fail {
        Err(io::Error::other("failed"))
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
async fn in_runtime_cancelled() -> u8 {
    std::future::pending::<()>().await;
    1
}

/// `module` is the test binary's crate root: this module is included with `#[path]` into it.
pub fn install_and_call_inside(runtime: tokio::runtime::Runtime, binary: &str) {
    let module = format!("{binary}::tokio_runtime");
    let module = module.as_str();
    let exporter = runtime.block_on(async {
        let exporter = Builder::new()
            .listen_address(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .install()
            .expect("install works inside a Tokio runtime");
        let tasks: Vec<_> = [false, true, false, false, true]
            .into_iter()
            .map(|fail| {
                tokio::spawn(async move {
                    let sync = in_runtime_sync(fail);
                    let from_async = in_runtime_async(fail).await;
                    (sync.is_err(), from_async.is_err())
                })
            })
            .collect();
        for (task, fail) in tasks.into_iter().zip([false, true, false, false, true]) {
            assert_eq!(task.await.unwrap(), (fail, fail));
        }
        let cancelled =
            tokio::time::timeout(Duration::from_millis(5), in_runtime_cancelled()).await;
        assert!(cancelled.is_err());

        // Scraping blocks; the listener must answer while this runtime is in the middle of a task.
        let addr = exporter.local_addr().expect("enabled");
        let scraped = scrape(addr);
        assert_eq!(
            calls(&scraped, "in_runtime_sync", module),
            Calls::finished(3, 2, 0, 0),
            "{scraped}"
        );
        assert_eq!(
            calls(&scraped, "in_runtime_async", module),
            Calls::finished(3, 2, 0, 0),
            "{scraped}"
        );
        assert_eq!(
            calls(&scraped, "in_runtime_cancelled", module),
            Calls::finished(0, 0, 0, 1),
            "{scraped}"
        );
        exporter
    });
    drop(runtime);

    // The runtime is gone; the endpoint and the recorder do not depend on it.
    assert_eq!(
        in_runtime_sync(true).map_err(|error| error.kind()),
        Err(io::ErrorKind::Other)
    );
    let scraped = scrape(exporter.local_addr().expect("enabled"));
    assert_eq!(
        calls(&scraped, "in_runtime_sync", module),
        Calls::finished(3, 3, 0, 0),
        "{scraped}"
    );
    assert_eq!(
        calls(&exporter.render(), "in_runtime_async", module),
        Calls::finished(3, 2, 0, 0)
    );
}
