//! The `function` label, derived from where the function is.

/// Turns the `type_name` of an item declared inside an instrumented function into its label:
/// `name` for free functions, `Type::method` for functions in an impl (inherent or trait, with
/// generic arguments removed), `outer::inner` for a function nested in another.
///
/// `type_name` output is not guaranteed to keep its format, so anything unexpected falls back
/// to the plain `name`.
pub(crate) fn function_label(type_name: &str, module: &str, name: &str) -> String {
    let Some((path, _marker)) = type_name.split_once("::__IM_SITE::") else {
        return name.to_owned();
    };
    let path = strip_generics(&unqualify(path));
    let relative = match path
        .strip_prefix(module)
        .and_then(|rest| rest.strip_prefix("::"))
    {
        Some(relative) => relative.to_owned(),
        // An impl of a type from another module is printed with that type's path.
        None => path
            .rsplit("::")
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("::"),
    };
    let label: Vec<&str> = relative
        .split("::")
        .filter(|segment| !segment.starts_with("{{"))
        .collect();
    match label.last() {
        Some(last) if *last == name => label.join("::"),
        _ => name.to_owned(),
    }
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

    #[test]
    fn free_function() {
        assert_eq!(
            function_label(
                "app::stages::extract::__IM_SITE::locate",
                "app::stages",
                "extract"
            ),
            "extract"
        );
    }

    #[test]
    fn inherent_method_of_a_generic_type() {
        assert_eq!(
            function_label(
                "app::m::Store<alloc::string::String>::get::__IM_SITE::locate",
                "app::m",
                "get"
            ),
            "Store::get"
        );
        assert_eq!(
            function_label("app::m::Store<_>::new::__IM_SITE::locate", "app::m", "new"),
            "Store::new"
        );
    }

    #[test]
    fn trait_impl_method() {
        assert_eq!(
            function_label(
                "<app::m::Store<_> as app::Repo<u8>>::load::__IM_SITE::locate",
                "app::m",
                "load"
            ),
            "Store::load"
        );
        assert_eq!(
            function_label(
                "<&app::m::Store as app::Repo>::load::__IM_SITE::locate",
                "app::m",
                "load"
            ),
            "Store::load"
        );
    }

    #[test]
    fn type_from_another_module() {
        assert_eq!(
            function_label("app::other::Store::get::__IM_SITE::locate", "app::m", "get"),
            "Store::get"
        );
    }

    #[test]
    fn nested_function_and_closures() {
        assert_eq!(
            function_label("app::outer::inner::__IM_SITE::locate", "app", "inner"),
            "outer::inner"
        );
        assert_eq!(
            function_label(
                "app::outer::{{closure}}::inner::__IM_SITE::locate",
                "app",
                "inner"
            ),
            "outer::inner"
        );
    }

    #[test]
    fn unexpected_format_falls_back_to_the_name() {
        assert_eq!(function_label("garbage", "app", "f"), "f");
        assert_eq!(
            function_label("app::something::else::__IM_SITE::locate", "app", "f"),
            "f"
        );
    }
}
