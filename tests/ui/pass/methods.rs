//! Methods taking `self`, `&self`, `&mut self` and `self: Box<Self>`, associated functions, methods
//! of generic types, and a whole impl block instrumented at once.
#![deny(warnings)]
#![deny(unused_qualifications)]

use instrument_metrics::instrument_metrics;

#[derive(Clone, Default)]
struct Store {
    items: Vec<String>,
}

impl Store {
    #[instrument_metrics]
    fn new() -> Self {
        Store::default()
    }

    #[instrument_metrics]
    fn with_item(item: &str) -> Store {
        Store {
            items: vec![item.to_owned()],
        }
    }

    #[instrument_metrics]
    fn first(&self) -> Option<&str> {
        self.items.first().map(String::as_str)
    }

    #[instrument_metrics]
    fn items_mut(&mut self) -> &mut Vec<String> {
        &mut self.items
    }

    #[instrument_metrics]
    fn iter(&self) -> impl Iterator<Item = &String> + '_ {
        self.items.iter()
    }

    #[instrument_metrics]
    fn joined(&self) -> std::borrow::Cow<'_, str> {
        match self.items.as_slice() {
            [single] => single.as_str().into(),
            items => items.join(",").into(),
        }
    }

    #[instrument_metrics]
    fn output(&self) -> <Self as Output>::Type {
        self.items.len()
    }

    #[instrument_metrics]
    fn push(&mut self, item: String) {
        self.items.push(item);
    }

    #[instrument_metrics]
    fn into_items(self) -> Vec<String> {
        self.items
    }

    #[instrument_metrics]
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[instrument_metrics]
    fn consume_mut(mut self) -> Self {
        self.items.clear();
        self
    }

    #[instrument_metrics]
    async fn aget(&self, index: usize) -> Option<&String> {
        tokio::task::yield_now().await;
        self.items.get(index)
    }

    #[instrument_metrics]
    async fn apush(&mut self, item: String) -> &mut Self {
        self.items.push(item);
        self
    }

    #[instrument_metrics]
    async fn ainto(self) -> Vec<String> {
        self.items
    }

    #[instrument_metrics]
    async fn acreate() -> Self {
        Self::default()
    }
}

trait Output {
    type Type;
}

impl Output for Store {
    type Type = usize;
}

struct Wrapper<'a, T: Clone> {
    inner: &'a [T],
}

#[instrument_metrics]
impl<'a, T: Clone> Wrapper<'a, T> {
    fn new(inner: &'a [T]) -> Self {
        Wrapper { inner }
    }

    fn get(&self, index: usize) -> Option<&'a T> {
        self.inner.get(index)
    }

    fn cloned<U>(&self) -> Vec<U>
    where
        T: Into<U>,
    {
        self.inner.iter().cloned().map(Into::into).collect()
    }

    async fn alen(&self) -> usize {
        self.inner.len()
    }

    /// Not instrumented (it could not be), yet allowed in an instrumented impl block.
    const fn empty() -> usize {
        0
    }

    #[instrument_metrics]
    fn own_attribute(&self) -> bool {
        self.inner.is_empty()
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut store = Store::new();
    store.push("a".to_owned());
    store.items_mut().push("b".to_owned());
    assert_eq!(store.first(), Some("a"));
    assert_eq!(store.iter().count(), 2);
    assert_eq!(store.output(), 2);
    assert_eq!(store.joined(), "a,b");
    assert_eq!(
        runtime.block_on(store.aget(1)).map(String::as_str),
        Some("b")
    );
    runtime
        .block_on(store.apush("c".to_owned()))
        .push("d".to_owned());
    assert_eq!(Box::new(store.clone()).boxed(), 4);
    assert_eq!(store.clone().consume_mut().items.len(), 0);
    assert_eq!(runtime.block_on(store.clone().ainto()).len(), 4);
    assert_eq!(store.into_items().len(), 4);
    assert_eq!(Store::with_item("x").items, ["x"]);
    assert!(runtime.block_on(Store::acreate()).items.is_empty());

    let numbers = [1_u8, 2];
    let wrapper = Wrapper::new(&numbers);
    assert_eq!(wrapper.get(0), Some(&1));
    assert_eq!(wrapper.cloned::<u32>(), [1, 2]);
    assert_eq!(runtime.block_on(wrapper.alen()), 2);
    assert_eq!(Wrapper::<u8>::empty(), 0);
    assert!(!wrapper.own_attribute());
}
