//! The "Metrics" section the attribute appends to a documented function's rustdoc: the
//! Prometheus queries for its call rate, error ratio and p99 latency, and, when
//! `PROMETHEUS_URL` is set at build time, links to their graphs.
//!
//! Only functions that already have docs get one, so `missing_docs` still finds the others.
//! The section is plain Markdown that passes `#![deny(rustdoc::all)]` and clippy's doc lints:
//! every query in backticks, every URL inside a Markdown link.
//!
//! What the macro cannot know is left out of the queries: the name prefix (set by
//! `METRICS_NAMESPACE`/`METRICS_SUBSYSTEM` when the program runs) and the `module` label
//! (`module_path!()`, which a proc macro does not see).

use instrument_metrics_names::{CALLS_SUFFIX, DEFAULT_FAMILY, DURATION_SUFFIX, label};
use proc_macro2::Span;
use syn::{Attribute, Expr, ExprLit, FnArg, Lit, Meta, Signature, Type};

use crate::attr::Args;

/// The variable that holds the Prometheus base URL for graph links, read when the attribute
/// expands.
const PROMETHEUS_URL: &str = "PROMETHEUS_URL";

/// How the docs select a function's series by its `function` label.
pub(crate) enum FunctionLabel {
    /// `function="name"`: a free function, or `Type::method` in an instrumented impl block.
    Exact(String),
    /// `function=~".+::name"`: a method whose type the attribute does not see.
    Method(String),
}

impl FunctionLabel {
    /// The label of a function the attribute is on by itself: a method when it takes `self`
    /// or names `Self`; a free function otherwise.
    pub(crate) fn of(sig: &Signature) -> FunctionLabel {
        let name = syn::ext::IdentExt::unraw(&sig.ident).to_string();
        let receiver = matches!(sig.inputs.first(), Some(FnArg::Receiver(_)));
        let names_self = quote::quote!(#sig)
            .to_string()
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == "Self");
        if receiver || names_self {
            FunctionLabel::Method(name)
        } else {
            FunctionLabel::Exact(name)
        }
    }

    /// The label of a method of an instrumented impl block for `self_ty`.
    pub(crate) fn in_impl(self_ty: &Type, sig: &Signature) -> FunctionLabel {
        let name = syn::ext::IdentExt::unraw(&sig.ident).to_string();
        match self_ty {
            Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
                Some(last) => FunctionLabel::Exact(format!("{}::{name}", last.ident)),
                None => FunctionLabel::Method(name),
            },
            _ => FunctionLabel::Method(name),
        }
    }

    fn matcher(&self) -> String {
        match self {
            FunctionLabel::Exact(name) => format!("{}=\"{name}\"", label::FUNCTION),
            FunctionLabel::Method(name) => format!("{}=~\".+::{name}\"", label::FUNCTION),
        }
    }
}

/// Appends the section to `attrs` when they hold docs; nothing otherwise.
///
/// # Errors
///
/// When `PROMETHEUS_URL` is set but is not an `http://` or `https://` URL.
pub(crate) fn append(
    attrs: &mut Vec<Attribute>,
    args: &Args,
    function: &FunctionLabel,
) -> syn::Result<()> {
    if !attrs.iter().any(is_doc) {
        return Ok(());
    }
    let url = prometheus_url()?;
    let family = args
        .name
        .as_ref()
        .map_or_else(|| DEFAULT_FAMILY.to_owned(), syn::LitStr::value);
    for line in section(&family, &function.matcher(), url.as_deref()) {
        attrs.push(syn::parse_quote!(#[doc = #line]));
    }
    Ok(())
}

/// Whether an attribute is documentation: `///`, `/** */` or `#[doc = ".."]` (not
/// `#[doc(hidden)]`).
fn is_doc(attr: &Attribute) -> bool {
    matches!(&attr.meta, Meta::NameValue(doc) if doc.path.is_ident("doc")
        && matches!(&doc.value, Expr::Lit(ExprLit { lit: Lit::Str(_), .. })))
}

/// `PROMETHEUS_URL` without a trailing `/`; `None` when unset or empty.
fn prometheus_url() -> syn::Result<Option<String>> {
    let Ok(url) = std::env::var(PROMETHEUS_URL) else {
        return Ok(None);
    };
    let url = url.trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    let valid = (url.starts_with("http://") || url.starts_with("https://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()\"`".contains(c));
    if valid {
        Ok(Some(url.to_owned()))
    } else {
        Err(syn::Error::new(
            Span::call_site(),
            format!(
                "{PROMETHEUS_URL} (read at build time for the links in the docs) must be an \
                 http:// or https:// URL such as `http://prometheus:9090`, not {url:?}"
            ),
        ))
    }
}

/// The lines of the section.
fn section(family: &str, function: &str, url: Option<&str>) -> Vec<String> {
    let calls = format!("{family}{CALLS_SUFFIX}");
    let buckets = format!("{family}{DURATION_SUFFIX}_bucket");
    let queries = [
        (
            "Calls per second, by result",
            format!("sum by (result) (rate({calls}{{{function}}}[5m]))"),
        ),
        (
            "Error ratio",
            format!(
                "sum(rate({calls}{{{function},result=~\"error|panic\"}}[5m])) / \
                 sum(rate({calls}{{{function}}}[5m]))"
            ),
        ),
        (
            "p99 latency, in seconds",
            format!("histogram_quantile(0.99, sum by (le) (rate({buckets}{{{function}}}[5m])))"),
        ),
    ];
    let mut lines = vec![
        String::new(),
        "# Metrics".to_owned(),
        String::new(),
        "Recorded by `#[instrument_metrics]`. The names take the prefix of `METRICS_NAMESPACE` \
         and `METRICS_SUBSYSTEM` when those are set; add a `module` matcher where two modules \
         have functions of this name."
            .to_owned(),
        String::new(),
    ];
    for (what, query) in queries {
        let link = url
            .map(|url| {
                format!(
                    " ([graph]({url}/graph?g0.expr={}&g0.tab=0))",
                    encode(&query)
                )
            })
            .unwrap_or_default();
        lines.push(format!("- {what}: `{query}`{link}"));
    }
    lines
}

/// Percent-encodes a query for a URL: every byte but the unreserved ones of RFC 3986.
fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_holds_the_three_queries_and_their_links() {
        let lines = section(
            "function_calls",
            "function=\"place_order\"",
            Some("http://prometheus:9090"),
        );
        assert_eq!(lines[1], "# Metrics");
        assert_eq!(
            lines[5],
            "- Calls per second, by result: `sum by (result) \
             (rate(function_calls_total{function=\"place_order\"}[5m]))` \
             ([graph](http://prometheus:9090/graph?g0.expr=sum%20by%20%28result%29%20%28rate%28\
             function_calls_total%7Bfunction%3D%22place_order%22%7D%5B5m%5D%29%29&g0.tab=0))"
        );
        assert!(lines[7].starts_with(
            "- p99 latency, in seconds: `histogram_quantile(0.99, sum by (le) \
             (rate(function_calls_duration_seconds_bucket{function=\"place_order\"}[5m])))`"
        ));
        assert!(section("f", "function=\"g\"", None)[6].ends_with("[5m]))`"));
    }

    #[test]
    fn labels_of_methods() {
        let sig: Signature = syn::parse_quote!(fn get(&self) -> u32);
        assert_eq!(FunctionLabel::of(&sig).matcher(), "function=~\".+::get\"");
        let sig: Signature = syn::parse_quote!(fn new() -> Self);
        assert_eq!(FunctionLabel::of(&sig).matcher(), "function=~\".+::new\"");
        let sig: Signature = syn::parse_quote!(fn r#load(id: u32) -> u32);
        assert_eq!(FunctionLabel::of(&sig).matcher(), "function=\"load\"");
        let ty: Type = syn::parse_quote!(app::Store<T>);
        assert_eq!(
            FunctionLabel::in_impl(&ty, &sig).matcher(),
            "function=\"Store::load\""
        );
    }
}
