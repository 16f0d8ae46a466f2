//! The `function` label, derived from where the function is.

/// Turns the `type_name` of an item declared inside an instrumented function into its label:
/// `name` for functions, `Type::method` for functions in an impl (inherent or trait, generic
/// arguments removed).
///
/// `type_name` prints an item in an impl under the impl's self type (`app::Store<_>::get::..`,
/// `<app::Store as app::Repo>::load::..`) and an item in a function under the function
/// (`app::main::parse::..`). Types are UpperCamelCase and functions snake_case (rustc lints
/// both), so an UpperCamelCase parent is the impl's type. `type_name` output is not guaranteed to
/// keep its format: anything unexpected falls back to the plain `name`.
pub(crate) fn function_label(type_name: &str, name: &str) -> String {
    let Some((path, _marker)) = type_name.split_once("::__IM_SITE::") else {
        return name.to_owned();
    };
    // `<Type as Trait>::method` and `<impl Type>::method` are always in an impl, even for `u32`.
    let in_impl = path.starts_with('<') || path.contains("::<impl ");
    let path = strip_generics(&unqualify(&impl_segments(path)));
    let mut segments = path
        .rsplit("::")
        .filter(|segment| !segment.starts_with("{{"));
    match (segments.next(), segments.next()) {
        (Some(last), Some(parent))
            if last == name && (in_impl || parent.starts_with(char::is_uppercase)) =>
        {
            format!("{parent}::{name}")
        }
        _ => name.to_owned(),
    }
}

/// `a::b::<impl a::Type<T>>::method` -> `a::b::Type::method`: how `type_name` prints an impl
/// that is not in the module of its type.
fn impl_segments(path: &str) -> String {
    let mut rest = path;
    let mut out = String::new();
    while let Some(start) = rest.find("<impl ") {
        out.push_str(&rest[..start]);
        let inner = &rest[start + "<impl ".len()..];
        let mut depth = 1usize;
        let end = inner.char_indices().find_map(|(index, character)| {
            match character {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(index)
        });
        let Some(end) = end else {
            return path.to_owned();
        };
        let self_type = strip_generics(&inner[..end]);
        out.push_str(self_type.rsplit("::").next().unwrap_or_default());
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    out
}

/// `<a::Type<T> as a::Trait>::method` -> `a::Type<T>::method`.
fn unqualify(path: &str) -> String {
    let Some(inner) = path.strip_prefix('<') else {
        return path.to_owned();
    };
    let mut depth = 1usize;
    for (index, character) in inner.char_indices() {
        match character {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    let qualified = &inner[..index];
                    let self_type = qualified.split(" as ").next().unwrap_or(qualified);
                    let self_type = self_type
                        .trim_start_matches(['&', '*'])
                        .trim_start_matches("mut ")
                        .trim_start_matches("dyn ");
                    return format!("{self_type}{}", &inner[index + 1..]);
                }
            }
            _ => {}
        }
    }
    path.to_owned()
}

/// `a::Type<b::C<u8>>::method` -> `a::Type::method`.
fn strip_generics(path: &str) -> String {
    let mut depth = 0usize;
    path.chars()
        .filter(|character| match character {
            '<' => {
                depth += 1;
                false
            }
            '>' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::function_label;

    fn label(type_name: &str, name: &str) -> String {
        function_label(&format!("{type_name}::__IM_SITE::locate"), name)
    }

    #[test]
    fn free_function() {
        assert_eq!(label("app::stages::extract", "extract"), "extract");
    }

    #[test]
    fn inherent_method_of_a_generic_type() {
        assert_eq!(
            label("app::m::Store<alloc::string::String>::get", "get"),
            "Store::get"
        );
        assert_eq!(label("app::m::Store<_>::new", "new"), "Store::new");
        assert_eq!(label("app::m::Store::new", "new"), "Store::new");
    }

    #[test]
    fn trait_impl_method() {
        assert_eq!(
            label("<app::m::Store<_> as app::Repo<u8>>::load", "load"),
            "Store::load"
        );
        assert_eq!(
            label("<&app::m::Store as app::Repo>::load", "load"),
            "Store::load"
        );
    }

    #[test]
    fn trait_impl_on_a_primitive_type() {
        assert_eq!(label("<u32 as app::Area>::area", "area"), "u32::area");
        assert_eq!(label("<[u8] as app::Area>::area", "area"), "[u8]::area");
    }

    #[test]
    fn impl_outside_the_module_of_its_type() {
        assert_eq!(
            label("app::sub::<impl app::Widget>::from_sub", "from_sub"),
            "Widget::from_sub"
        );
        assert_eq!(
            label("app::<impl app::nested::Remote<u8>>::get", "get"),
            "Remote::get"
        );
    }

    #[test]
    fn function_nested_in_a_function_or_closure() {
        assert_eq!(label("app::main::parse", "parse"), "parse");
        assert_eq!(label("app::outer::{{closure}}::inner", "inner"), "inner");
    }

    #[test]
    fn impl_inside_a_function() {
        assert_eq!(label("app::main::Store::get", "get"), "Store::get");
    }

    #[test]
    fn unexpected_format_falls_back_to_the_name() {
        assert_eq!(function_label("garbage", "f"), "f");
        assert_eq!(label("app::something::Else", "f"), "f");
    }
}
