//! Rough speed of the stored-item codec on a realistic item (10 attributes,
//! about 300 bytes). Run with `cargo run --release -p kstone-engine --example item_codec`.
//! This prints figures; it asserts nothing.

use kstone_engine::model::item::{decode_item, encode_item, item_size};
use kstone_engine::ItemBuilder;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let item = ItemBuilder::new()
        .string("pk", "user#000123456")
        .string("sk", "profile#2024-05-01T12:00:00Z")
        .string("email", "someone.somewhere@example.com")
        .string("name", "Ada Lovelace the Second")
        .number("age", 36)
        .decimal("balance", "1234567.89")
        .expect("a valid number literal")
        .bool("active", true)
        .string_set("tags", ["admin", "beta", "early-adopter"])
        .string("bio", "Writes analytical engines and poems about them; likes tea, long walks and well-kept crates.")
        .map("address", ItemBuilder::new().string("city", "London").string("zip", "NW1 6XE").build())
        .build();
    let bytes = encode_item(&item);
    println!("item: {} attributes, encoded {} bytes, DynamoDB size {} bytes", item.len(), bytes.len(), item_size(&item));
    let rounds = 1_000_000;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(encode_item(black_box(&item)));
    }
    let encode_ns = start.elapsed().as_nanos() as f64 / rounds as f64;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(decode_item(black_box(&bytes)).expect("the item was just encoded"));
    }
    let decode_ns = start.elapsed().as_nanos() as f64 / rounds as f64;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(black_box(&item).clone());
    }
    let clone_ns = start.elapsed().as_nanos() as f64 / rounds as f64;
    println!("encode {encode_ns:.0} ns/item, decode {decode_ns:.0} ns/item, baseline Item::clone {clone_ns:.0} ns/item");
    println!("decode/clone ratio {:.2}", decode_ns / clone_ns);
}
