use instrument_metrics::instrument_metrics;

#[instrument_metrics]
fn add(a: u32, b: u32) -> u32 { a + b }

#[instrument_metrics]
fn fails(x: u32) -> std::io::Result<u32> { if x > 1 { return Err(std::io::Error::other("big")); } Ok(x) }

struct Store<T>(T);
impl<T: Clone> Store<T> {
    #[instrument_metrics]
    fn get(&self) -> T { self.0.clone() }
    #[instrument_metrics]
    async fn aget(&self) -> Result<T, String> { Ok(self.0.clone()) }
}

#[test]
fn smoke() {
    let exporter = instrument_metrics::Builder::new().listen_address("127.0.0.1:0".parse().unwrap()).install().unwrap();
    assert_eq!(add(1, 2), 3);
    assert!(fails(5).is_err());
    assert_eq!(Store(5u8).get(), 5);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(Store(7u8).aget()), Ok(7));
    println!("{}", exporter.render());
}
