//! The W3C Trace Context `traceparent` request header
//! (`00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`): the trace a request belongs to,
//! for the exemplars of `http_request_duration_seconds`. Read only while exemplars are on.

use http::HeaderMap;

use crate::exposition::exemplar;
use crate::model::TraceContext;

/// The request's sampled trace context, when exemplars are on and its `traceparent` is valid.
/// An unsampled trace is not kept by the tracing backend, so an exemplar would lead nowhere.
#[inline]
pub(super) fn of(headers: &HeaderMap) -> Option<TraceContext> {
    if !exemplar::enabled() {
        return None;
    }
    parse(headers.get("traceparent")?.to_str().ok()?)
}

/// `version-trace_id-parent_id-flags`, lowercase hex; a later version may append fields.
fn parse(value: &str) -> Option<TraceContext> {
    let value = value.trim();
    let mut fields = value.splitn(5, '-');
    let version = fields.next()?;
    let (trace_id, span_id, flags) = (fields.next()?, fields.next()?, fields.next()?);
    let extra = fields.next();
    let version = u8::from_str_radix(hex(version, 2)?, 16).ok()?;
    // Version 0 has exactly four fields; 0xff is forbidden.
    if version == 0xff || (version == 0 && extra.is_some()) {
        return None;
    }
    let flags = u8::from_str_radix(hex(flags, 2)?, 16).ok()?;
    if flags & 1 == 0 {
        return None;
    }
    TraceContext::new(
        u128::from_str_radix(hex(trace_id, 32)?, 16).ok()?,
        u64::from_str_radix(hex(span_id, 16)?, 16).ok()?,
    )
}

/// `field` when it is exactly `digits` lowercase hex digits.
fn hex(field: &str, digits: usize) -> Option<&str> {
    let lowercase_hex = |byte: u8| matches!(byte, b'0'..=b'9' | b'a'..=b'f');
    (field.len() == digits && field.bytes().all(lowercase_hex)).then_some(field)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::model::TraceContext;

    #[test]
    fn sampled_valid_headers() {
        let expected = TraceContext::new(0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7);
        assert_eq!(
            parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            expected
        );
        assert_eq!(
            parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-future"),
            expected
        );
    }

    #[test]
    fn invalid_or_unsampled_headers() {
        for header in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "",
        ] {
            assert_eq!(parse(header), None, "{header}");
        }
    }
}
