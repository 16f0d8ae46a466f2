//! Upkeep of the `metrics` exporter's histograms: their samples wait in a buffer until upkeep
//! folds them into buckets, so without it they grow without bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;

const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The upkeep thread.
pub(crate) struct Upkeep {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Upkeep {
    pub(crate) fn spawn(handle: PrometheusHandle) -> std::io::Result<Upkeep> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("instrument-metrics-upkeep".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || {
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::park_timeout(UPKEEP_INTERVAL);
                        handle.run_upkeep();
                    }
                }
            })?;
        Ok(Upkeep { stop, thread })
    }

    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.thread().unpark();
        let _ = self.thread.join();
    }
}
