//! A capture (a thread-local recorder) while the exporter is installed: once a function has
//! resolved to the exporter's own series, its calls go straight to them, so a capture must still
//! take every call made under it, and the exporter must see none of those and all of the others.

use instrument_metrics::testing::{capture, capture_future};
use instrument_metrics::{Builder, Exporter, instrument_metrics};

#[instrument_metrics]
fn checked(fail: bool) -> Result<u8, String> {
    if fail {
        Err("failed".to_owned())
    } else {
        Ok(1)
    }
}

#[instrument_metrics]
async fn fetched() -> u8 {
    2
}

/// `function_calls_total` of `function` and `result` in the exporter's text.
fn exported(exporter: &Exporter, function: &str, result: &str) -> u64 {
    let series = format!(
        "function_calls_total{{function=\"{function}\",module=\"capture_installed\",result=\"{result}\"}} "
    );
    let text = exporter.render();
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .expect("a count")
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(future)
}

#[test]
fn captures_take_their_calls_from_the_installed_exporter_and_give_them_back() {
    let exporter = Builder::new()
        .without_listener()
        .install()
        .expect("install");

    // Resolved to the exporter's series.
    checked(false).unwrap();
    checked(true).unwrap_err();
    block_on(fetched());
    assert_eq!(exported(&exporter, "checked", "ok"), 1);
    assert_eq!(exported(&exporter, "checked", "error"), 1);
    assert_eq!(exported(&exporter, "fetched", "ok"), 1);

    let ((), captured) = capture(|| {
        checked(false).unwrap();
        checked(false).unwrap();
        checked(true).unwrap_err();
    });
    let (_, captured_future) = block_on(capture_future(async {
        fetched().await;
        fetched().await
    }));
    assert_eq!(captured.calls("checked", "ok"), 2);
    assert_eq!(captured.calls("checked", "error"), 1);
    assert_eq!(captured_future.calls("fetched", "ok"), 2);
    assert_eq!(exported(&exporter, "checked", "ok"), 1);
    assert_eq!(exported(&exporter, "checked", "error"), 1);
    assert_eq!(exported(&exporter, "fetched", "ok"), 1);

    // After the captures, the exporter again.
    checked(false).unwrap();
    block_on(fetched());
    assert_eq!(exported(&exporter, "checked", "ok"), 2);
    assert_eq!(exported(&exporter, "fetched", "ok"), 2);
}
