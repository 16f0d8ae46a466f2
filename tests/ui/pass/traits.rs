//! Methods of trait impls, including native `async fn` in traits, generic traits and impls for
//! references and trait objects.
#![deny(warnings)]
#![deny(unused_qualifications)]

use std::future::Future;

use instrument_metrics::instrument_metrics;

trait Repository {
    fn load(&self, id: u32) -> Result<String, String>;
    fn count(&self) -> usize;
    async fn fetch(&self, id: u32) -> Option<u32>;
    fn fetch_send(&self, id: u32) -> impl Future<Output = u32> + Send;
}

struct Memory(Vec<String>);

impl Repository for Memory {
    #[instrument_metrics]
    fn load(&self, id: u32) -> Result<String, String> {
        let index = usize::try_from(id).map_err(|error| error.to_string())?;
        self.0.get(index).cloned().ok_or_else(|| format!("no {id}"))
    }

    #[instrument_metrics]
    fn count(&self) -> usize {
        self.0.len()
    }

    #[instrument_metrics]
    async fn fetch(&self, id: u32) -> Option<u32> {
        tokio::task::yield_now().await;
        (id < 10).then_some(id)
    }

    #[instrument_metrics]
    async fn fetch_send(&self, id: u32) -> u32 {
        id + 1
    }
}

trait Convert<T> {
    const SCALE: u64;
    type Unit;
    fn convert(&self) -> T;
}

#[instrument_metrics]
impl Convert<u64> for &Memory {
    const SCALE: u64 = 1;
    type Unit = ();

    fn convert(&self) -> u64 {
        self.0.len() as u64
    }
}

#[instrument_metrics]
impl<T: Into<u64> + Copy> Convert<u64> for Vec<T> {
    const SCALE: u64 = 2;
    type Unit = T;

    fn convert(&self) -> u64 {
        self.iter().map(|value| (*value).into()).sum::<u64>() * Self::SCALE / 2
    }
}

trait Named {
    fn name(&self) -> &'static str;
}

#[instrument_metrics]
impl Named for Box<dyn Fn() -> u8> {
    fn name(&self) -> &'static str {
        "boxed"
    }
}

#[instrument_metrics]
impl std::fmt::Display for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} items", self.0.len())
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let memory = Memory(vec!["a".to_owned()]);
    assert_eq!(memory.load(0).as_deref(), Ok("a"));
    assert!(memory.load(1).is_err());
    assert_eq!(memory.count(), 1);
    assert_eq!(runtime.block_on(memory.fetch(3)), Some(3));
    assert_eq!(runtime.block_on(memory.fetch_send(3)), 4);
    assert_eq!((&memory).convert(), 1);
    assert_eq!(<&Memory as Convert<u64>>::SCALE, 1);
    let (): <&Memory as Convert<u64>>::Unit = ();
    assert_eq!(vec![1_u8, 2].convert(), 3);
    assert_eq!(memory.to_string(), "1 items");
    let boxed: Box<dyn Fn() -> u8> = Box::new(|| 1);
    assert_eq!(boxed.name(), "boxed");
    assert_eq!(boxed(), 1);
}
