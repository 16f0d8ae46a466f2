//! `Builder`'s exemplar settings: whether they are on, and where functions find their trace.

use super::{Builder, ExemplarSource};
use crate::model::TraceContext;

impl Builder {
    /// Attaches exemplars (trace ids) to the duration histograms' buckets, served in the
    /// OpenMetrics format to scrapes that ask for it (`METRICS_EXEMPLARS`; default off). HTTP
    /// requests take theirs from the `traceparent` header; instrumented functions from
    /// [`exemplar_source`](Builder::exemplar_source), or else the current OpenTelemetry context
    /// (feature `opentelemetry`).
    #[must_use]
    pub fn exemplars(mut self, enabled: bool) -> Self {
        self.exemplars = enabled;
        self
    }

    /// Where instrumented functions find the trace they run in, for exemplars: called on the
    /// calling thread at the end of a call, at most about once a millisecond per bucket.
    /// Replaces the OpenTelemetry context of feature `opentelemetry`.
    ///
    /// ```no_run
    /// use instrument_metrics::TraceContext;
    ///
    /// fn current_trace() -> Option<TraceContext> {
    ///     None // ask your tracing system here
    /// }
    ///
    /// let exporter = instrument_metrics::Builder::from_env()?
    ///     .exemplars(true)
    ///     .exemplar_source(current_trace)
    ///     .install()?;
    /// # Ok::<(), instrument_metrics::Error>(())
    /// ```
    #[must_use]
    pub fn exemplar_source(
        mut self,
        source: impl Fn() -> Option<TraceContext> + Send + Sync + 'static,
    ) -> Self {
        self.exemplar_source = Some(ExemplarSource(std::sync::Arc::new(source)));
        self
    }
}
