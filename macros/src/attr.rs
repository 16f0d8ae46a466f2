//! The arguments of `#[instrument_metrics(...)]`, parsed into a typed struct. Only their form
//! is checked here; `rules` checks what they say.

use proc_macro2::{Group, Span, TokenStream};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Path, Token, UnOp};

use crate::errors::Errors;
use crate::list;

/// Every argument the attribute accepts, for error messages.
const ACCEPTED: &[&str] = &[
    "name",
    "labels",
    "buckets",
    "in_flight",
    "objective",
    "last_success",
    "skip",
    "crate",
];

#[derive(Clone, Default)]
pub(crate) struct Args {
    /// The path to the runtime, for code that reaches it through a re-export.
    pub(crate) krate: Option<Path>,
    /// The family base name, instead of
    /// [`DEFAULT_FAMILY`](instrument_metrics_names::DEFAULT_FAMILY).
    pub(crate) name: Option<LitStr>,
    pub(crate) labels: Vec<LabelArg>,
    pub(crate) buckets: Option<Buckets>,
    pub(crate) in_flight: Option<LitBool>,
    /// `objective = CHECKOUT`: the path to a `const Objective`, and the `objective` token, where
    /// a threshold that is not a bucket bound is reported.
    pub(crate) objective: Option<(Ident, Path)>,
    /// `last_success`, or `last_success = "15m"`.
    pub(crate) last_success: Option<LastSuccess>,
    /// `skip`: on a method of an instrumented impl block, leave it alone.
    pub(crate) skip: Option<Ident>,
}

#[derive(Clone)]
pub(crate) struct LabelArg {
    pub(crate) name: Ident,
    pub(crate) value: LabelSource,
}

#[derive(Clone)]
pub(crate) enum LabelSource {
    /// `stage = "extract"`: one value for every call.
    Literal(LitStr),
    /// `kind = job.kind`: a value per call, of a type that implements `MetricLabel`.
    Expression(Expr),
}

#[derive(Clone)]
pub(crate) struct LastSuccess {
    /// The expected interval as written; `rules` checks it.
    pub(crate) interval: Option<LitStr>,
}

#[derive(Clone)]
pub(crate) struct Bound {
    pub(crate) seconds: f64,
    /// The literal as written, `-0.5` included, where errors about this bound go.
    pub(crate) written: Expr,
}

#[derive(Clone)]
pub(crate) struct Buckets {
    /// The whole `[..]`, where errors about the list as a whole go.
    pub(crate) span: Span,
    pub(crate) bounds: Vec<Bound>,
}

impl Args {
    /// Parses every argument on its own, so that a malformed one hides none of the others. The
    /// arguments that did parse come back, with the errors in `errors`, so that the rules can be
    /// checked on them too.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let mut seen = Vec::new();
        let end = list::last_span(&tokens, Span::call_site());
        list::parse_items(tokens, end, "an argument", errors, |meta, errors| {
            argument(meta, &mut args, &mut seen, errors)
        });
        args
    }

    /// The arguments of a method in an instrumented impl block: the block's, overridden
    /// argument by argument (label by label) by the method's own.
    pub(crate) fn overridden_by(&self, method: Args) -> Args {
        let mut labels: Vec<LabelArg> = self
            .labels
            .iter()
            .filter(|label| {
                let name = label.name.unraw();
                !method.labels.iter().any(|own| own.name.unraw() == name)
            })
            .cloned()
            .collect();
        labels.extend(method.labels);
        Args {
            krate: method.krate.or_else(|| self.krate.clone()),
            name: method.name.or_else(|| self.name.clone()),
            labels,
            buckets: method.buckets.or_else(|| self.buckets.clone()),
            in_flight: method.in_flight.or_else(|| self.in_flight.clone()),
            objective: method.objective.or_else(|| self.objective.clone()),
            last_success: method.last_success.or_else(|| self.last_success.clone()),
            skip: method.skip,
        }
    }
}

/// One argument, stored in `args`; `seen` holds the names of the arguments before it, to find
/// repeats. An unknown name or a malformed value is returned; a repeat, and malformed items
/// inside a list (a label, a bound), are reported to `errors`.
fn argument(
    meta: &ParseNestedMeta,
    args: &mut Args,
    seen: &mut Vec<String>,
    errors: &mut Errors,
) -> syn::Result<()> {
    let Some(name) = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .filter(|name| ACCEPTED.contains(&name.as_str()))
    else {
        let path = &meta.path;
        let name = quote::quote!(#path).to_string().replace(' ', "");
        // The value of an unknown argument has no known form; it is skipped unread.
        return Err(meta.error(unknown_argument(&name)));
    };
    // Checked before the value, so that a repeat is reported even when a value is malformed.
    if seen.contains(&name) {
        errors.push(syn::Error::new_spanned(
            &meta.path,
            format!("`{name}` is given twice; keep one"),
        ));
    }
    seen.push(name.clone());
    match name.as_str() {
        "crate" => args.krate = Some(crate_path(meta)?),
        "name" => args.name = Some(string(meta, "`name = \"pipeline_stage\"`")?),
        "labels" => labels(meta, &mut args.labels, errors)?,
        "buckets" => args.buckets = buckets(meta, errors)?,
        "in_flight" => {
            let form = "`in_flight = false`";
            let flag: LitBool = value(meta, form)?.parse().map_err(|error| {
                syn::Error::new(error.span(), format!("expected `true` or `false`: {form}"))
            })?;
            args.in_flight = Some(flag);
        }
        "objective" => args.objective = Some(objective(meta)?),
        "last_success" => args.last_success = Some(last_success(meta)?),
        "skip" => {
            if !meta.input.is_empty() {
                return Err(meta.error("`skip` takes no value"));
            }
            args.skip = meta.path.get_ident().cloned();
        }
        _ => unreachable!("every accepted argument has an arm"),
    }
    Ok(())
}

/// `labels(stage = "extract", kind = job.kind, shard)`: each label parsed on its own, as the
/// arguments are.
fn labels(
    meta: &ParseNestedMeta,
    labels: &mut Vec<LabelArg>,
    errors: &mut Errors,
) -> syn::Result<()> {
    const FORM: &str = "`labels(stage = \"extract\", kind = job.kind)`";
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("expected {FORM}")));
    }
    let group: Group = meta.input.parse()?;
    list::parse_items(
        group.stream(),
        group.span_close(),
        "a label",
        errors,
        |label, _| {
            labels.push(label_arg(label)?);
            Ok(())
        },
    );
    Ok(())
}

/// What follows `=`, with errors that show the expected form: on the name when `=` is missing,
/// on the `=` when nothing follows it.
fn value<'a>(meta: &'a ParseNestedMeta, form: &str) -> syn::Result<ParseStream<'a>> {
    let eq: Token![=] = meta
        .input
        .parse()
        .map_err(|_| meta.error(format!("expected {form}")))?;
    if meta.input.is_empty() {
        return Err(syn::Error::new(
            eq.span,
            format!("expected a value after `=`: {form}"),
        ));
    }
    Ok(meta.input)
}

fn string(meta: &ParseNestedMeta, form: &str) -> syn::Result<LitStr> {
    value(meta, form)?.parse::<LitStr>().map_err(|error| {
        syn::Error::new(error.span(), format!("expected a string literal: {form}"))
    })
}

/// `objective = CHECKOUT`: a path, to a `const` whose type the compiler checks.
fn objective(meta: &ParseNestedMeta) -> syn::Result<(Ident, Path)> {
    const FORM: &str =
        "`objective = CHECKOUT`, the path to a `const` `instrument_metrics::Objective`";
    let token = meta
        .path
        .get_ident()
        .cloned()
        .expect("an accepted argument");
    let value: Expr = value(meta, FORM)?.parse()?;
    match value {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => Ok((token, path.path)),
        other => Err(syn::Error::new_spanned(
            other,
            format!("expected a path: {FORM}"),
        )),
    }
}

/// `last_success`, or `last_success = "15m"` with an expected interval.
fn last_success(meta: &ParseNestedMeta) -> syn::Result<LastSuccess> {
    if meta.input.is_empty() {
        return Ok(LastSuccess { interval: None });
    }
    let interval = string(
        meta,
        "`last_success`, or `last_success = \"15m\"` with the interval it is expected to succeed \
         in (a whole number and s, m, h or d)",
    )?;
    Ok(LastSuccess {
        interval: Some(interval),
    })
}

/// `name = "literal"`, `name = expression`, or `name` alone for `name = name`.
fn label_arg(label: &ParseNestedMeta) -> syn::Result<LabelArg> {
    let Some(name) = label.path.get_ident().cloned() else {
        return Err(label.error("a label name is an identifier, such as `stage`"));
    };
    if label.input.is_empty() {
        let value: Expr = syn::parse_quote!(#name);
        return Ok(LabelArg {
            name,
            value: LabelSource::Expression(value),
        });
    }
    let form = format!("`{name} = \"literal\"` or `{name} = expression`");
    let value: Expr = value(label, &form)?.parse()?;
    let value = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(literal),
            ..
        }) => LabelSource::Literal(literal),
        other => LabelSource::Expression(other),
    };
    Ok(LabelArg { name, value })
}

/// `buckets = [0.005, 0.01, 1]`: numeric literals only, so they can be checked at compile time.
/// Every bound that is not a number literal is reported; the list is then left out, so the
/// ordering rules are not checked against bounds that are missing from it.
fn buckets(meta: &ParseNestedMeta, errors: &mut Errors) -> syn::Result<Option<Buckets>> {
    const FORM: &str = "`buckets = [0.01, 0.1, 1.0]`, bounds in seconds";
    let expr: Expr = value(meta, FORM)?.parse()?;
    let Expr::Array(array) = &expr else {
        return Err(syn::Error::new_spanned(
            &expr,
            format!("expected a list of numbers: {FORM}"),
        ));
    };
    Ok(errors.checked(|errors| Buckets {
        span: array.span(),
        bounds: array
            .elems
            .iter()
            .filter_map(|expr| errors.push_result(bound(expr)))
            .collect(),
    }))
}

fn bound(expr: &Expr) -> syn::Result<Bound> {
    let number = |lit: &Lit| match lit {
        Lit::Float(float) => float.base10_parse::<f64>().ok(),
        Lit::Int(int) => int.base10_parse::<f64>().ok(),
        _ => None,
    };
    let value = match expr {
        Expr::Lit(literal) => number(&literal.lit),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(literal) => number(&literal.lit).map(|value| -value),
            _ => None,
        },
        _ => None,
    };
    let written = expr.clone();
    value
        .map(|seconds| Bound { seconds, written })
        .ok_or_else(|| {
            syn::Error::new_spanned(expr, "a bucket bound is a number literal, in seconds")
        })
}

/// `crate = path` or `crate = "path"` (the form serde and tokio take), with errors that show the
/// expected form instead of syn's generic ones.
fn crate_path(meta: &ParseNestedMeta) -> syn::Result<Path> {
    const FORM: &str = "`crate = ::instrument_metrics`, the path to the runtime crate";
    let Ok(eq) = meta.input.parse::<Token![=]>() else {
        return Err(syn::Error::new_spanned(
            &meta.path,
            format!("expected {FORM}"),
        ));
    };
    if meta.input.is_empty() {
        return Err(syn::Error::new(
            eq.span,
            format!("expected a path after `crate =`: {FORM}"),
        ));
    }
    runtime_path(meta.input)
}

/// The path to the runtime, written as a path or as a string literal holding one; a string that
/// is not a path is an error on the literal. The derive's `#[metric_label(crate = ..)]` takes the
/// same.
pub(crate) fn runtime_path(input: ParseStream) -> syn::Result<Path> {
    if !input.peek(LitStr) {
        return input.parse();
    }
    let literal: LitStr = input.parse()?;
    // The path's tokens take the literal's span, so errors about it point at the string.
    literal.parse().map_err(|_| {
        let value = literal.value();
        let hint = if value.contains('-') {
            format!(
                "; a crate is named with `_` in Rust code: `{}`",
                value.replace('-', "_")
            )
        } else {
            String::new()
        };
        syn::Error::new(
            literal.span(),
            format!(
                "`crate = \"{value}\"` is not a path: write the path to the runtime crate, \
                 such as `crate = \"::instrument_metrics\"`{hint}"
            ),
        )
    })
}

fn unknown_argument(name: &str) -> String {
    let accepted = ACCEPTED
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = ACCEPTED
        .iter()
        .find(|candidate| edit_distance(name, candidate) <= 2)
        .map(|candidate| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default();
    format!("unknown argument `{name}`; accepted arguments: {accepted}{suggestion}")
}

/// Levenshtein distance, for suggesting the argument a typo meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}
