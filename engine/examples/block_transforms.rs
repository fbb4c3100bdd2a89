//! What compression and encryption cost: the same workload on an in-memory
//! file with each block transform, measured in one run and printed as ratios
//! against the plain configuration (no compression, no encryption).
//!
//! ```sh
//! cargo run --release -p kstone-engine --example block_transforms [N]
//! ```
//!
//! Two data sets of N entries (default 200,000), 16-byte keys, 100-byte values:
//! `random` values are incompressible (the `bench/` suite's data), `items`
//! values look like encoded DynamoDB items (repeated attribute names, similar
//! strings and numbers). Every figure is the median of 3 runs. The file is in
//! memory so the figures are the CPU cost of the transforms, not the disk's.

use kstone_engine::io::MemoryFile;
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability};
use std::ops::Bound;
use std::time::Instant;

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(i: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&mix(i).to_be_bytes());
    k[8..].copy_from_slice(&i.to_be_bytes());
    k
}

fn value(i: u64, items: bool) -> Vec<u8> {
    if items {
        let r = mix(i ^ 0x5555);
        let mut v = format!(
            "\x04name\x00SUser {:06}\x06status\x00S{}\x05total\x00N{}.{:02}\x04city\x00S{}",
            i % 100_000,
            ["PENDING", "SHIPPED", "DELIVERED"][(r % 3) as usize],
            r % 10_000,
            r % 100,
            ["Berlin", "Lisbon", "Osaka", "Quito"][(r % 4) as usize]
        )
        .into_bytes();
        v.resize(100, b' ');
        v
    } else {
        (0..13).flat_map(|j| mix(i * 13 + j).to_le_bytes()).take(100).collect()
    }
}

struct Figures {
    put: f64,
    get: f64,
    scan: f64,
    bytes: u64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn run(config: &DatabaseConfig, n: u64, items: bool) -> Figures {
    let mut puts = Vec::new();
    let mut gets = Vec::new();
    let mut scans = Vec::new();
    let mut bytes = 0;
    for _ in 0..3 {
        let file = MemoryFile::new();
        let mut tree = Tree::open(Box::new(file.clone()), config.clone()).unwrap();
        let start = Instant::now();
        for chunk in 0..n / 1000 {
            let mut b = WriteBatch::new();
            for i in chunk * 1000..chunk * 1000 + 1000 {
                b.put(key(i).to_vec(), value(i, items));
            }
            tree.write(b).unwrap();
        }
        tree.flush().unwrap();
        tree.compact().unwrap();
        puts.push(n as f64 / start.elapsed().as_secs_f64());
        tree.close().unwrap();
        drop(tree);
        bytes = file.to_vec().len() as u64;
        let tree = Tree::open(Box::new(file), config.clone()).unwrap();
        let start = Instant::now();
        let gets_n = n.min(100_000);
        for j in 0..gets_n {
            let i = mix(j ^ 0xABCD) % n;
            assert!(tree.get(&key(i)).unwrap().is_some());
        }
        gets.push(gets_n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        let mut count = 0u64;
        for entry in tree.range(Bound::Unbounded, Bound::Unbounded, false) {
            entry.unwrap();
            count += 1;
        }
        assert_eq!(count, n);
        scans.push(n as f64 / start.elapsed().as_secs_f64());
    }
    Figures { put: median(puts), get: median(gets), scan: median(scans), bytes }
}

fn main() {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse().expect("N")).unwrap_or(200_000);
    let base = DatabaseConfig { durability: Durability::None, compression: true, ..DatabaseConfig::default() };
    let plain = DatabaseConfig { compression: false, ..base.clone() };
    let sealed_raw = DatabaseConfig { compression: false, passphrase: Some("bench".into()), ..base.clone() };
    let sealed_zstd = DatabaseConfig { passphrase: Some("bench".into()), ..base.clone() };
    let configs = [("zstd", &base), ("sealed", &sealed_raw), ("zstd+sealed", &sealed_zstd)];
    let logical = n * (16 + 100);
    for items in [false, true] {
        let data = if items { "items" } else { "random" };
        let p = run(&plain, n, items);
        println!(
            "TRANSFORM {data} plain put={:.0}/s get={:.0}/s scan={:.0}/s file={:.2}x_logical",
            p.put,
            p.get,
            p.scan,
            p.bytes as f64 / logical as f64
        );
        for (name, config) in configs {
            let f = run(config, n, items);
            println!(
                "TRANSFORM {data} {name} put={:.0}/s ({:.2}x) get={:.0}/s ({:.2}x) scan={:.0}/s ({:.2}x) file={:.2}x_logical ({:.2}x plain)",
                f.put,
                f.put / p.put,
                f.get,
                f.get / p.get,
                f.scan,
                f.scan / p.scan,
                f.bytes as f64 / logical as f64,
                f.bytes as f64 / p.bytes as f64
            );
        }
    }
    // Raw codec speed on one 4 KiB block, and the key derivation on open.
    for items in [false, true] {
        let block: Vec<u8> = (0..41).flat_map(|i| value(i, items)).take(4096).collect();
        let rounds = 2000;
        let start = Instant::now();
        let mut out = 0;
        for _ in 0..rounds {
            out += kstone_engine::compress::compress(&block, Default::default()).len();
        }
        let secs = start.elapsed().as_secs_f64();
        let frame = kstone_engine::compress::compress(&block, Default::default());
        let start = Instant::now();
        for _ in 0..rounds {
            out += kstone_engine::compress::decompress(&frame, block.len()).unwrap().len();
        }
        let dsecs = start.elapsed().as_secs_f64();
        println!(
            "ZSTD {} block=4096 ratio={:.2} compress={:.0}MB/s decompress={:.0}MB/s ({out})",
            if items { "items" } else { "random" },
            block.len() as f64 / frame.len() as f64,
            (rounds * 4096) as f64 / secs / 1e6,
            (rounds * 4096) as f64 / dsecs / 1e6
        );
    }
    let file = MemoryFile::new();
    Tree::open(Box::new(file.clone()), sealed_zstd.clone()).unwrap().close().unwrap();
    let mut opens = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let tree = Tree::open(Box::new(MemoryFile::from_bytes(file.to_vec())), sealed_zstd.clone()).unwrap();
        opens.push(start.elapsed().as_secs_f64() * 1000.0);
        drop(tree);
    }
    println!("OPEN encrypted (Argon2id 19 MiB, 2 passes) median={:.1}ms", median(opens));
}
