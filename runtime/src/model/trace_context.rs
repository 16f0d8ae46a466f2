//! The trace an observation belongs to: what an exemplar links a histogram bucket to.

use std::fmt;

/// A W3C trace id and span id: the trace (and span in it) an observation was made in, which
/// exemplars attach to histogram buckets so a dashboard can open that trace.
///
/// Made by the HTTP layer from a request's `traceparent` header, by
/// `TraceContext::current_opentelemetry` (feature `opentelemetry`), or by a hook given to
/// [`Builder::exemplar_source`](crate::Builder::exemplar_source) for any other tracing system.
///
/// ```
/// use instrument_metrics::TraceContext;
///
/// let context = TraceContext::new(0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7).unwrap();
/// assert_eq!(context.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7");
/// assert_eq!(TraceContext::new(0, 1), None); // an all-zero id is invalid
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceContext {
    trace_id: u128,
    span_id: u64,
}

impl TraceContext {
    /// A context from its ids; `None` when either is zero, which W3C Trace Context reserves for
    /// "no trace".
    pub const fn new(trace_id: u128, span_id: u64) -> Option<TraceContext> {
        if trace_id == 0 || span_id == 0 {
            None
        } else {
            Some(TraceContext { trace_id, span_id })
        }
    }

    /// The 16-byte trace id.
    pub const fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The 8-byte span id.
    pub const fn span_id(&self) -> u64 {
        self.span_id
    }

    /// The span of the current OpenTelemetry context, if it is valid and sampled (an exemplar
    /// pointing at a trace that was not kept would lead nowhere). Works for plain OpenTelemetry
    /// and for `tracing` with `tracing-opentelemetry`, whose layer keeps this context current.
    #[cfg(feature = "opentelemetry")]
    pub fn current_opentelemetry() -> Option<TraceContext> {
        use opentelemetry::trace::TraceContextExt as _;

        let context = opentelemetry::Context::current();
        let span = context.span();
        let span = span.span_context();
        if !span.is_valid() || !span.is_sampled() {
            return None;
        }
        TraceContext::new(
            u128::from_be_bytes(span.trace_id().to_bytes()),
            u64::from_be_bytes(span.span_id().to_bytes()),
        )
    }
}

/// `trace_id-span_id` in lowercase hex, as in `traceparent`.
impl fmt::Display for TraceContext {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:032x}-{:016x}", self.trace_id, self.span_id)
    }
}
