//! Feeds arbitrary bytes to the validating `AttributeValue` JSON decoder and the storage
//! codec. Decoding must never panic; whatever decodes must survive a JSON round trip and a
//! codec round trip unchanged.
//!
//! ```text
//! cd fuzz && cargo +nightly fuzz run attribute_values
//! ```

#![no_main]

use eddy_types::Item;
use eddy_types::codec::{decode_item, encode_item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The raw bytes as a stored item: corrupt input must be an error, not a panic.
    let _ = decode_item(data);
    let Ok(item) = serde_json::from_slice::<Item>(data) else {
        return;
    };
    let json = serde_json::to_vec(&item).expect("a decoded item serializes");
    let again: Item = serde_json::from_slice(&json).expect("our own output decodes");
    assert_eq!(item, again);
    let mut buf = Vec::new();
    encode_item(&item, &mut buf);
    assert_eq!(decode_item(&buf).expect("our own encoding decodes"), item);
});
