//! Choosing the block transform of a database: compression from the config,
//! encryption from the file header and the passphrase.
//!
//! The header's encryption parameters (see `layout/header.rs`) hold
//!
//! ```text
//! 0   32  KDF parameters (crypto::KdfParams::encode: Argon2id, costs, salt)
//! 32  16  key check: bytes 32..48 of the Argon2id output
//! ```
//!
//! so a wrong passphrase is recognised from the header alone, before any
//! block is read, and reported as `WrongPassphrase` rather than as damage.
//! Compression is a writer's choice only: the kind byte of every block says
//! how it is stored, so a file written with compression opens without it and
//! the other way round.

use crate::config::DatabaseConfig;
use crate::crypto::{Cipher, KdfParams, KDF_PARAMS_LEN, KEY_CHECK_LEN};
use crate::error::StorageError;
use crate::layout::header::{FileHeader, FLAG_ENCRYPTED};
use crate::layout::seal::{BlockCodec, Sealer};

/// Length of the encryption parameters this build writes and reads.
pub const CRYPTO_PARAMS_LEN: usize = KDF_PARAMS_LEN + KEY_CHECK_LEN;

fn compression(config: &DatabaseConfig) -> Result<Option<crate::compress::CompressionLevel>, StorageError> {
    if config.compression && !crate::compress::CAN_COMPRESS {
        return Err(StorageError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "this build reads compressed databases but cannot write compressed blocks (built without the \
             zstd-encoder feature): open with compression off",
        )));
    }
    Ok(config.compression.then_some(config.compression_level))
}

/// The header and block transform of a new database.
pub fn new_header(config: &DatabaseConfig) -> Result<(FileHeader, BlockCodec), StorageError> {
    let compression = compression(config)?;
    let Some(passphrase) = &config.passphrase else {
        return Ok((FileHeader { flags: 0, crypto: Vec::new() }, BlockCodec { compression, sealer: None }));
    };
    if passphrase.is_empty() {
        return Err(StorageError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the passphrase of an encrypted database must not be empty",
        )));
    }
    let params = KdfParams::generate_with(config.kdf_cost.memory_kib, config.kdf_cost.iterations)?;
    let cipher = Cipher::derive(passphrase, &params)?;
    let mut crypto = Vec::with_capacity(CRYPTO_PARAMS_LEN);
    crypto.extend_from_slice(&params.encode());
    crypto.extend_from_slice(&cipher.key_check());
    let header = FileHeader { flags: FLAG_ENCRYPTED, crypto };
    Ok((header, BlockCodec { compression, sealer: Some(Box::new(cipher)) }))
}

/// The block transform of an existing database.
pub fn open_codec(header: &FileHeader, config: &DatabaseConfig) -> Result<BlockCodec, StorageError> {
    let compression = compression(config)?;
    if !header.encrypted() {
        if config.passphrase.is_some() {
            return Err(StorageError::NotEncrypted);
        }
        return Ok(BlockCodec { compression, sealer: None });
    }
    let Some(passphrase) = &config.passphrase else {
        return Err(StorageError::PassphraseRequired);
    };
    let cipher = open_cipher(header, passphrase)?;
    Ok(BlockCodec { compression, sealer: Some(Box::new(cipher)) })
}

/// Derive the key of an encrypted database and check it against the header.
fn open_cipher(header: &FileHeader, passphrase: &str) -> Result<Cipher, StorageError> {
    if header.crypto.len() != CRYPTO_PARAMS_LEN {
        return Err(StorageError::corrupted(
            format!("file header: {} bytes of encryption parameters, expected {CRYPTO_PARAMS_LEN}", header.crypto.len()),
            16,
        ));
    }
    let (params, check) = header.crypto.split_at(KDF_PARAMS_LEN);
    let params = KdfParams::decode(params).map_err(|e| e.offset_by(18))?;
    let cipher = Cipher::derive(passphrase, &params)?;
    cipher.verify_key_check(check)?;
    Ok(cipher)
}

impl Sealer for Cipher {
    fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, StorageError> {
        Cipher::seal(self, aad, plain)
    }
    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StorageError> {
        Cipher::open(self, aad, sealed)
    }
    fn overhead(&self) -> usize {
        crate::crypto::SEAL_OVERHEAD
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KdfCost;

    fn config(passphrase: Option<&str>) -> DatabaseConfig {
        DatabaseConfig { passphrase: passphrase.map(str::to_string), kdf_cost: KdfCost::CHEAP, ..DatabaseConfig::default() }
    }

    #[test]
    fn the_passphrase_must_match_the_header() {
        let (header, codec) = new_header(&config(Some("right"))).unwrap();
        assert!(header.encrypted());
        assert_eq!(header.crypto.len(), CRYPTO_PARAMS_LEN);
        let header = FileHeader::decode(&header.encode()).unwrap();
        let mut block = Vec::new();
        codec.encode(&crate::layout::seal::aad(1, 0), b"secret", false, &mut block).unwrap();
        let opened = open_codec(&header, &config(Some("right"))).unwrap();
        assert_eq!(opened.decode("block", 0, &crate::layout::seal::aad(1, 0), &block).unwrap(), b"secret");
        assert!(matches!(open_codec(&header, &config(Some("wrong"))), Err(StorageError::WrongPassphrase)));
        assert!(matches!(open_codec(&header, &config(None)), Err(StorageError::PassphraseRequired)));
    }

    #[test]
    fn a_passphrase_for_a_plain_database_is_refused() {
        let (header, _) = new_header(&config(None)).unwrap();
        assert!(!header.encrypted());
        assert!(matches!(open_codec(&header, &config(Some("x"))), Err(StorageError::NotEncrypted)));
        assert!(new_header(&config(Some(""))).is_err());
    }

    #[test]
    fn damaged_encryption_parameters_are_corruption() {
        let (mut header, _) = new_header(&config(Some("pw"))).unwrap();
        header.crypto[0] = 9;
        assert!(matches!(open_codec(&header, &config(Some("pw"))), Err(StorageError::Corrupted { .. })));
        header.crypto.truncate(10);
        assert!(matches!(open_codec(&header, &config(Some("pw"))), Err(StorageError::Corrupted { .. })));
    }
}
