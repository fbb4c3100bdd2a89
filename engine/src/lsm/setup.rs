//! Choosing the block transform of a database: compression from the config,
//! encryption from the header and the passphrase.

use crate::layout::seal::CompressionLevel;
use crate::config::DatabaseConfig;
use crate::error::StorageError;
use crate::layout::header::FileHeader;
use crate::layout::seal::BlockCodec;

fn compression(config: &DatabaseConfig) -> Option<CompressionLevel> {
    config.compression.then_some(CompressionLevel::Fastest)
}

/// The header and block transform of a new database.
pub fn new_header(config: &DatabaseConfig) -> Result<(FileHeader, BlockCodec), StorageError> {
    if config.passphrase.is_some() {
        return Err(StorageError::Io(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "encryption is not available in this build",
        )));
    }
    Ok((FileHeader { flags: 0, crypto: Vec::new() }, BlockCodec { compression: compression(config), sealer: None }))
}

/// The block transform of an existing database.
pub fn open_codec(header: &FileHeader, config: &DatabaseConfig) -> Result<BlockCodec, StorageError> {
    if header.encrypted() {
        return Err(if config.passphrase.is_some() {
            StorageError::Io(std::io::Error::new(std::io::ErrorKind::Unsupported, "encryption is not available in this build"))
        } else {
            StorageError::PassphraseRequired
        });
    }
    if config.passphrase.is_some() {
        return Err(StorageError::WrongPassphrase);
    }
    Ok(BlockCodec { compression: compression(config), sealer: None })
}
