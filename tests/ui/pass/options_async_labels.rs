//! Argument labels on `async fn`s and async methods: the values are taken when the future is
//! built, from parameters the body then moves or borrows; `?` still infers.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::{MetricLabel, instrument_metrics};

#[derive(Clone, Copy, Debug, MetricLabel)]
enum Source {
    Api,
    Queue,
}

#[derive(Debug, MetricLabel)]
enum FetchError {
    NotFound,
    Io,
}

impl From<std::io::Error> for FetchError {
    fn from(_: std::io::Error) -> Self {
        FetchError::Io
    }
}

#[instrument_metrics(labels(pipeline = "ingest", source))]
async fn fetch(source: Source, id: u32) -> Result<u32, FetchError> {
    tokio::task::yield_now().await;
    if id == 0 {
        return Err(FetchError::NotFound);
    }
    let parsed: u32 = "1"
        .parse()
        .map_err(|_| std::io::Error::other("not a number"))?;
    Ok(id + parsed)
}

/// The label comes from an owned parameter the body moves.
#[instrument_metrics(labels(retry = options.retry))]
async fn consume(options: Options) -> Options {
    tokio::task::yield_now().await;
    options
}

struct Options {
    retry: bool,
}

struct Client {
    source: Source,
}

impl Client {
    #[instrument_metrics(labels(source = self.source))]
    async fn get(&self, id: u32) -> Result<u32, FetchError> {
        fetch(self.source, id).await
    }

    #[instrument_metrics(labels(source = self.source))]
    async fn into_source(self) -> Source {
        self.source
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert_eq!(fetch(Source::Api, 1).await.unwrap(), 2);
        assert!(fetch(Source::Queue, 0).await.is_err());
        assert!(consume(Options { retry: true }).await.retry);
        let client = Client {
            source: Source::Queue,
        };
        assert_eq!(client.get(2).await.unwrap(), 3);
        assert!(matches!(client.into_source().await, Source::Queue));
    });
}
