//! Authenticated block encryption with a key derived from a passphrase.
//!
//! An encrypted database seals every block it writes (SST blocks, WAL
//! records, manifest snapshots) with [`Cipher::seal`] and opens it with
//! [`Cipher::open`] after reading. The file header stores the key-derivation
//! parameters ([`KdfParams::encode`]) and a key check ([`Cipher::key_check`]),
//! so a wrong passphrase is reported as [`StorageError::WrongPassphrase`]
//! before any block is read.
//!
//! # Choice of AEAD: XChaCha20-Poly1305
//!
//! - **Nonces.** Each seal draws a fresh random 192-bit nonce. With 192 bits a
//!   collision is negligible (about 2^-97 after 2^48 blocks under one key), so
//!   no nonce counter has to be persisted and recovered after a crash, which is
//!   exactly where a counter-based scheme would risk reuse. AES-GCM-SIV is
//!   misuse-resistant, but its 96-bit nonce needs that resistance for an LSM
//!   that re-encrypts every block at every compaction; with 192-bit random
//!   nonces the misuse case only arises if the system RNG fails, and then
//!   `getrandom` reports an error and nothing is sealed.
//! - **Speed without AES instructions.** In the browser's wasm there is no
//!   AES-NI and no carry-less multiply: AES-GCM-SIV falls back to bitsliced
//!   software AES and POLYVAL, several times slower than ChaCha20's 32-bit
//!   add/rotate/xor, which wasm runs at native-like speed.
//! - **Bundle size.** ChaCha20 and Poly1305 are a few KiB of code with no
//!   tables.
//!
//! # Key derivation: Argon2id
//!
//! The passphrase goes through Argon2id (RFC 9106, version 0x13) with a
//! random 16-byte salt. The default cost, [`KdfParams::DEFAULT_MEMORY_KIB`] =
//! 19 MiB, 2 passes, 1 lane, is the OWASP minimum recommendation for Argon2id
//! and takes well under 0.5 s in a browser's wasm (a single lane because the
//! browser build has no threads). The parameters are stored beside the salt,
//! so a later version can raise them for new databases and still open old
//! ones.
//!
//! Argon2id produces 48 bytes: the first 32 are the XChaCha20-Poly1305 key,
//! the last 16 are the key check stored in the header. Argon2's output is a
//! variable-length hash whose bytes are independent, so the check reveals
//! nothing about the key; testing a guessed passphrase against it costs one
//! full Argon2id run, the same as testing it against any block.
//!
//! # Sealed block layout (format-relevant)
//!
//! ```text
//! offset  size  field
//! 0       24    nonce: random, fresh for every seal
//! 24      n     ciphertext: XChaCha20 of the n plaintext bytes
//! 24+n    16    tag: Poly1305 over aad and ciphertext
//! ```
//!
//! Overhead: [`SEAL_OVERHEAD`] = 40 bytes per block. The associated data
//! (aad) is not stored: the caller passes what binds the block to its place,
//! e.g. the kind of block and its file offset or SST id, so a block copied to
//! another position fails to open.
//!
//! # Randomness on every target
//!
//! Nonces and salts come from `getrandom` 0.4. Natively and under WASI it
//! uses the OS / WASI `random_get`. On `wasm32-unknown-unknown` it needs its
//! `wasm_js` feature (it then calls `crypto.getRandomValues`); in getrandom
//! 0.4 that feature alone selects the backend, with no `--cfg
//! getrandom_backend` RUSTFLAG. The `kstone-wasm` crate enables it, so this
//! crate stays free of browser dependencies.
//!
//! Deliberately left out: key wrapping (a random data key sealed under the
//! passphrase key, which would let a passphrase change without re-encrypting
//! the file). Changing the passphrase today means rewriting the database.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::error::StorageError;

/// Bytes of the random nonce at the start of every sealed block.
pub const NONCE_LEN: usize = 24;
/// Bytes of the Poly1305 tag at the end of every sealed block.
pub const TAG_LEN: usize = 16;
/// How many bytes [`Cipher::seal`] adds to a plaintext.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;
/// Bytes of an encoded [`KdfParams`].
pub const KDF_PARAMS_LEN: usize = 32;
/// Bytes of the salt in [`KdfParams`].
pub const SALT_LEN: usize = 16;
/// Bytes of [`Cipher::key_check`].
pub const KEY_CHECK_LEN: usize = 16;

/// Algorithm id in the encoded parameters: Argon2id, version 0x13.
const ALGORITHM_ARGON2ID: u8 = 1;
const ARGON2_VERSION: u8 = 0x13;
const KEY_LEN: usize = 32;

/// Key-derivation settings stored in the file header beside the salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Argon2 memory cost in KiB.
    pub memory_kib: u32,
    /// Argon2 passes over the memory.
    pub iterations: u32,
    /// Argon2 lanes (1: the browser build has no threads).
    pub parallelism: u32,
    /// Random salt, fresh per database.
    pub salt: [u8; SALT_LEN],
}

impl KdfParams {
    /// 19 MiB: OWASP's minimum memory for Argon2id with 2 passes.
    pub const DEFAULT_MEMORY_KIB: u32 = 19 * 1024;
    pub const DEFAULT_ITERATIONS: u32 = 2;
    pub const DEFAULT_PARALLELISM: u32 = 1;
    /// Decoding refuses more memory than this (256 MiB): a damaged or hostile
    /// header must not make a browser tab allocate gigabytes.
    pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
    /// Decoding refuses more passes than this, for the same reason.
    pub const MAX_ITERATIONS: u32 = 64;
    /// Decoding refuses more lanes than this.
    pub const MAX_PARALLELISM: u32 = 16;

    /// Default costs with a fresh random salt.
    pub fn generate() -> Result<KdfParams, StorageError> {
        Self::generate_with(Self::DEFAULT_MEMORY_KIB, Self::DEFAULT_ITERATIONS)
    }

    /// The given costs (one lane) with a fresh random salt; costs outside
    /// the decoding limits are refused, since such a file could not be opened.
    pub fn generate_with(memory_kib: u32, iterations: u32) -> Result<KdfParams, StorageError> {
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt)?;
        let params = KdfParams { memory_kib, iterations, parallelism: Self::DEFAULT_PARALLELISM, salt };
        params.check().map_err(|e| {
            StorageError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("DatabaseConfig.kdf_cost: {e}")))
        })?;
        Ok(params)
    }

    /// Encodes the parameters for the file header.
    ///
    /// ```text
    /// offset  size  field
    /// 0       1     algorithm: 1 = Argon2id
    /// 1       1     Argon2 version: 0x13
    /// 2       2     reserved, zero
    /// 4       4     memory_kib, u32 little-endian
    /// 8       4     iterations, u32 little-endian
    /// 12      4     parallelism, u32 little-endian
    /// 16      16    salt
    /// ```
    pub fn encode(&self) -> [u8; KDF_PARAMS_LEN] {
        let mut out = [0u8; KDF_PARAMS_LEN];
        out[0] = ALGORITHM_ARGON2ID;
        out[1] = ARGON2_VERSION;
        out[4..8].copy_from_slice(&self.memory_kib.to_le_bytes());
        out[8..12].copy_from_slice(&self.iterations.to_le_bytes());
        out[12..16].copy_from_slice(&self.parallelism.to_le_bytes());
        out[16..32].copy_from_slice(&self.salt);
        out
    }

    /// Decodes [`KdfParams::encode`]'s bytes, refusing unknown algorithms and
    /// costs outside the limits above with [`StorageError::Corrupted`].
    pub fn decode(bytes: &[u8]) -> Result<KdfParams, StorageError> {
        let bad = |what: String| StorageError::Corrupted { what, offset: 0 };
        let bytes: &[u8; KDF_PARAMS_LEN] = bytes.try_into().map_err(|_| {
            bad(format!("key-derivation parameters are {} bytes, expected {KDF_PARAMS_LEN}", bytes.len()))
        })?;
        if bytes[0] != ALGORITHM_ARGON2ID || bytes[1] != ARGON2_VERSION {
            return Err(bad(format!(
                "unknown key-derivation algorithm {} version {:#x}",
                bytes[0], bytes[1]
            )));
        }
        if bytes[2..4] != [0, 0] {
            return Err(bad("reserved bytes of the key-derivation parameters are not zero".into()));
        }
        let u32_at = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[16..32]);
        let params = KdfParams { memory_kib: u32_at(4), iterations: u32_at(8), parallelism: u32_at(12), salt };
        params.check().map_err(bad)?;
        Ok(params)
    }

    /// The bounds both `decode` and `derive` enforce.
    fn check(&self) -> Result<(), String> {
        let p = self.parallelism;
        if !(1..=Self::MAX_PARALLELISM).contains(&p) {
            return Err(format!("key-derivation parallelism {p} outside 1..={}", Self::MAX_PARALLELISM));
        }
        let m = self.memory_kib;
        // Argon2 needs at least 8 KiB per lane.
        if m < 8 * p || m > Self::MAX_MEMORY_KIB {
            return Err(format!(
                "key-derivation memory {m} KiB outside {}..={} KiB",
                8 * p,
                Self::MAX_MEMORY_KIB
            ));
        }
        let t = self.iterations;
        if !(1..=Self::MAX_ITERATIONS).contains(&t) {
            return Err(format!("key-derivation iterations {t} outside 1..={}", Self::MAX_ITERATIONS));
        }
        Ok(())
    }
}

/// A database's block cipher: the derived key and its check value.
pub struct Cipher {
    aead: XChaCha20Poly1305,
    key_check: [u8; KEY_CHECK_LEN],
}

/// Hand-written so that no key material is ever printed.
impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(XChaCha20-Poly1305, key hidden)")
    }
}

impl Cipher {
    /// Runs Argon2id over the passphrase. Costs tens to hundreds of
    /// milliseconds by design; call once per open.
    pub fn derive(passphrase: &str, params: &KdfParams) -> Result<Cipher, StorageError> {
        params.check().map_err(|what| StorageError::Corrupted { what, offset: 0 })?;
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(KEY_LEN + KEY_CHECK_LEN),
        )
        .map_err(|e| StorageError::Corrupted { what: format!("key-derivation parameters: {e}"), offset: 0 })?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut derived = Zeroizing::new([0u8; KEY_LEN + KEY_CHECK_LEN]);
        argon
            .hash_password_into(passphrase.as_bytes(), &params.salt, derived.as_mut())
            .map_err(|e| StorageError::Corrupted { what: format!("key derivation failed: {e}"), offset: 0 })?;
        let key = Key::try_from(&derived[..KEY_LEN])
            .map_err(|_| StorageError::Corrupted { what: "derived key length".into(), offset: 0 })?;
        let mut key_check = [0u8; KEY_CHECK_LEN];
        key_check.copy_from_slice(&derived[KEY_LEN..]);
        Ok(Cipher { aead: XChaCha20Poly1305::new(&key), key_check })
    }

    /// The value the file header stores to recognise this key.
    pub fn key_check(&self) -> [u8; KEY_CHECK_LEN] {
        self.key_check
    }

    /// `Ok` if `stored` (from the header) matches this key, else
    /// [`StorageError::WrongPassphrase`].
    pub fn verify_key_check(&self, stored: &[u8]) -> Result<(), StorageError> {
        // Not secret-dependent timing: the header value is public to anyone
        // holding the file, and the comparison reveals nothing about the key.
        if stored == self.key_check {
            Ok(())
        } else {
            Err(StorageError::WrongPassphrase)
        }
    }

    /// Encrypts and authenticates `plain`, binding it to `aad`. Returns
    /// `nonce ‖ ciphertext ‖ tag` ([`SEAL_OVERHEAD`] bytes longer than
    /// `plain`). Fails only if the system has no randomness to offer; a block
    /// is never sealed with a non-random nonce.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, StorageError> {
        let mut out = Vec::with_capacity(plain.len() + SEAL_OVERHEAD);
        out.resize(NONCE_LEN, 0);
        fill_random(&mut out[..NONCE_LEN])?;
        out.extend_from_slice(plain);
        let (nonce_bytes, body) = out.split_at_mut(NONCE_LEN);
        let nonce = XNonce::try_from(&*nonce_bytes)
            .map_err(|_| StorageError::Corrupted { what: "nonce length".into(), offset: 0 })?;
        let tag = self
            .aead
            .encrypt_inout_detached(&nonce, aad, body.into())
            // Only fails for messages over 256 GiB, far beyond any block.
            .map_err(|_| StorageError::Corrupted { what: "block too large to encrypt".into(), offset: 0 })?;
        out.extend_from_slice(tag.as_slice());
        Ok(out)
    }

    /// Verifies and decrypts a block produced by [`Cipher::seal`] with the
    /// same `aad`. A block that is too short is [`StorageError::Corrupted`];
    /// one whose tag does not verify (damaged bytes, wrong aad, another key)
    /// is [`StorageError::ChecksumMismatch`]. Offsets are relative to the
    /// block; see [`StorageError::offset_by`].
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StorageError> {
        if sealed.len() < SEAL_OVERHEAD {
            return Err(StorageError::Corrupted {
                what: format!("encrypted block of {} bytes is shorter than its {SEAL_OVERHEAD}-byte envelope", sealed.len()),
                offset: 0,
            });
        }
        let (nonce_bytes, rest) = sealed.split_at(NONCE_LEN);
        let (ciphertext, tag_bytes) = rest.split_at(rest.len() - TAG_LEN);
        let nonce = XNonce::try_from(nonce_bytes)
            .map_err(|_| StorageError::Corrupted { what: "nonce length".into(), offset: 0 })?;
        let tag = Tag::try_from(tag_bytes)
            .map_err(|_| StorageError::Corrupted { what: "tag length".into(), offset: 0 })?;
        let mut plain = ciphertext.to_vec();
        self.aead.decrypt_inout_detached(&nonce, aad, plain.as_mut_slice().into(), &tag).map_err(|_| {
            StorageError::ChecksumMismatch {
                what: "encrypted block (authentication failed: damaged, moved, or another key)".into(),
                offset: 0,
            }
        })?;
        Ok(plain)
    }
}

/// Fills `buf` from the system's secure random source.
fn fill_random(buf: &mut [u8]) -> Result<(), StorageError> {
    getrandom::fill(buf).map_err(|e| StorageError::Io(std::io::Error::other(format!("no secure randomness: {e}"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Cheap parameters so tests stay fast; the costs do not change the code paths.
    fn fast_params(salt_byte: u8) -> KdfParams {
        KdfParams { memory_kib: 64, iterations: 1, parallelism: 1, salt: [salt_byte; SALT_LEN] }
    }

    fn test_cipher() -> Cipher {
        Cipher::derive("correct horse battery staple", &fast_params(7)).unwrap()
    }

    #[test]
    fn seal_then_open_round_trips_with_forty_bytes_of_overhead() {
        let cipher = test_cipher();
        for len in [0, 1, 15, 16, 17, 4096, 65_536] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31) as u8).collect();
            let sealed = cipher.seal(b"sst:1:block:0", &plain).unwrap();
            assert_eq!(sealed.len(), plain.len() + SEAL_OVERHEAD);
            assert_eq!(cipher.open(b"sst:1:block:0", &sealed).unwrap(), plain);
        }
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let cipher = test_cipher();
        let a = cipher.seal(b"", b"same plaintext").unwrap();
        let b = cipher.seal(b"", b"same plaintext").unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn ciphertext_does_not_contain_the_plaintext() {
        let cipher = test_cipher();
        let plain = b"a secret attribute value that must not appear on disk";
        let sealed = cipher.seal(b"", plain).unwrap();
        assert!(!sealed.windows(8).any(|w| plain.windows(8).any(|p| p == w)));
    }

    #[test]
    fn wrong_aad_fails_authentication() {
        let cipher = test_cipher();
        let sealed = cipher.seal(b"offset=4096", b"block").unwrap();
        let err = cipher.open(b"offset=8192", &sealed).unwrap_err();
        assert!(matches!(err, StorageError::ChecksumMismatch { .. }), "{err}");
    }

    #[test]
    fn every_flipped_bit_fails_authentication() {
        let cipher = test_cipher();
        let sealed = cipher.seal(b"aad", b"sixteen byte msg").unwrap();
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut damaged = sealed.clone();
                damaged[byte] ^= 1 << bit;
                let err = cipher.open(b"aad", &damaged).unwrap_err();
                assert!(matches!(err, StorageError::ChecksumMismatch { .. }), "byte {byte} bit {bit}");
            }
        }
    }

    #[test]
    fn short_input_is_corrupted_not_a_panic() {
        let cipher = test_cipher();
        for len in 0..SEAL_OVERHEAD {
            let err = cipher.open(b"", &vec![0u8; len]).unwrap_err();
            assert!(matches!(err, StorageError::Corrupted { .. }), "len {len}");
        }
        // Exactly the envelope: an empty plaintext that does not verify.
        let err = cipher.open(b"", &[0u8; SEAL_OVERHEAD]).unwrap_err();
        assert!(matches!(err, StorageError::ChecksumMismatch { .. }));
    }

    #[test]
    fn another_passphrase_cannot_open_and_has_another_key_check() {
        let right = test_cipher();
        let wrong = Cipher::derive("Correct horse battery staple", &fast_params(7)).unwrap();
        assert_ne!(right.key_check(), wrong.key_check());
        assert!(matches!(wrong.verify_key_check(&right.key_check()), Err(StorageError::WrongPassphrase)));
        right.verify_key_check(&right.key_check()).unwrap();
        let sealed = right.seal(b"", b"data").unwrap();
        assert!(matches!(wrong.open(b"", &sealed), Err(StorageError::ChecksumMismatch { .. })));
    }

    #[test]
    fn the_salt_changes_the_key() {
        let a = Cipher::derive("pw", &fast_params(1)).unwrap();
        let b = Cipher::derive("pw", &fast_params(2)).unwrap();
        assert_ne!(a.key_check(), b.key_check());
    }

    #[test]
    fn derivation_is_deterministic_across_runs_and_targets() {
        // Pins Argon2id's output so a change of crate or parameters that would
        // make existing databases unreadable is caught here first.
        let a = Cipher::derive("pw", &fast_params(1)).unwrap();
        let b = Cipher::derive("pw", &fast_params(1)).unwrap();
        assert_eq!(a.key_check(), b.key_check());
        let sealed = a.seal(b"x", b"hello").unwrap();
        assert_eq!(b.open(b"x", &sealed).unwrap(), b"hello");
        assert_eq!(to_hex(&a.key_check()), GOLDEN_KEY_CHECK);
    }

    /// Argon2id(m=64 KiB, t=1, p=1, salt=[1; 16], "pw", 48-byte output) bytes
    /// 32..48, as computed by the reference C implementation (libargon2).
    const GOLDEN_KEY_CHECK: &str = "99192c0f05746198614420142575dc75";

    fn to_hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn generated_params_use_the_documented_defaults_and_a_random_salt() {
        let a = KdfParams::generate().unwrap();
        let b = KdfParams::generate().unwrap();
        assert_eq!(a.memory_kib, 19 * 1024);
        assert_eq!(a.iterations, 2);
        assert_eq!(a.parallelism, 1);
        assert_ne!(a.salt, b.salt);
    }

    #[test]
    fn params_encode_to_the_documented_layout() {
        let params = KdfParams { memory_kib: 0x0102_0304, iterations: 2, parallelism: 1, salt: [0xAB; 16] };
        let bytes = params.encode();
        assert_eq!(&bytes[..16], &[1, 0x13, 0, 0, 4, 3, 2, 1, 2, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(&bytes[16..], &[0xAB; 16]);
    }

    #[test]
    fn params_decode_rejects_bad_headers() {
        let good = KdfParams::generate().unwrap().encode();
        assert_eq!(KdfParams::decode(&good).unwrap().encode(), good);
        let mut cases: Vec<Vec<u8>> = vec![good[..31].to_vec(), [&good[..], &[0]].concat()];
        for (at, value) in [(0, 2u8), (1, 0x10), (2, 1), (3, 1)] {
            let mut bad = good;
            bad[at] = value;
            cases.push(bad.to_vec());
        }
        for (memory, iterations, parallelism) in
            [(0, 2, 1), (7, 2, 1), (16, 1, 4), (KdfParams::MAX_MEMORY_KIB + 1, 2, 1), (1024, 0, 1), (1024, 65, 1), (1024, 1, 0), (1024, 1, 17)]
        {
            let params = KdfParams { memory_kib: memory, iterations, parallelism, salt: [0; 16] };
            cases.push(params.encode().to_vec());
            assert!(Cipher::derive("pw", &params).is_err(), "derive must check bounds too");
        }
        for case in cases {
            let err = KdfParams::decode(&case).unwrap_err();
            assert!(matches!(err, StorageError::Corrupted { .. }), "{case:?}: {err}");
        }
    }

    #[test]
    fn debug_output_hides_the_key() {
        assert_eq!(format!("{:?}", test_cipher()), "Cipher(XChaCha20-Poly1305, key hidden)");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn round_trips_any_block(aad in proptest::collection::vec(any::<u8>(), 0..64),
                                 plain in proptest::collection::vec(any::<u8>(), 0..5_000)) {
            let cipher = test_cipher();
            let sealed = cipher.seal(&aad, &plain).unwrap();
            prop_assert_eq!(cipher.open(&aad, &sealed).unwrap(), plain);
        }

        #[test]
        fn random_bytes_never_open_and_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let err = test_cipher().open(b"", &data).unwrap_err();
            let reported = matches!(err, StorageError::Corrupted { .. } | StorageError::ChecksumMismatch { .. });
            prop_assert!(reported, "{}", err);
        }

        #[test]
        fn params_round_trip(memory_kib in 8u32..=KdfParams::MAX_MEMORY_KIB,
                             iterations in 1u32..=KdfParams::MAX_ITERATIONS,
                             salt in any::<[u8; 16]>()) {
            let params = KdfParams { memory_kib, iterations, parallelism: 1, salt };
            prop_assert_eq!(KdfParams::decode(&params.encode()).unwrap(), params);
        }

        #[test]
        fn params_decode_never_panics(data in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = KdfParams::decode(&data);
        }
    }
}
