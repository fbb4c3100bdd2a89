//! Secondary indexes: the entries that local and global secondary indexes
//! keep in the tree, maintained in the same write batch as the base item.
//!
//! # Entry layout
//!
//! An index entry lives in its table's keyspace under the index's id
//! ([`super::keyspace`]), partitioned by the index's own hash key:
//!
//! ```text
//! key:   [table id: u32 BE][index id: u8][hash32(ipk): u32 BE][ipk][isk][table pk][table sk]
//! value: the projected item, in the item codec of crate::model::item
//! ```
//!
//! `ipk`/`isk` are the index's hash and (optional) range key values and
//! `table pk`/`table sk` the base item's key values, all in the
//! order-preserving, self-delimiting key encoding. Appending the base key
//! makes entries unique (many items may share an index key) and orders ties
//! by base key, so an index Query is a range scan like a table Query and a
//! `LastEvaluatedKey` (index keys + table keys) names exactly one entry. An
//! LSI's hash key is the table's, so its partition is the base partition.
//!
//! The value holds what DynamoDB's projection keeps: the whole item (ALL),
//! the table and index keys (KEYS_ONLY), or those plus `NonKeyAttributes`
//! (INCLUDE). An item lacking an index key attribute has no entry (a sparse
//! index); its key types were checked on the write path
//! ([`super::keys::key_of_item`]).
//!
//! # Building and dropping
//!
//! UpdateTable records a new global index as not yet populated (or a
//! deleted one as dropping) in the catalog first, then writes (or removes)
//! entries in bounded batches, then records completion. A crash in between
//! leaves the catalog saying what is unfinished, and [`finish_pending`]
//! completes it at the next open.

use super::keys::{encode_primary_key, key_attributes};
use super::keyspace;
use super::values;
use crate::error::{Error, Result};
use crate::lsm::{Tree, WriteBatch};
use crate::model::schema::{catalog_key, Catalog, IndexDef, KeyAttribute, ProjectionType, ScalarType, TableDef};
use crate::model::value::AttributeValue;
use crate::model::value::Item;
use std::ops::Bound;

/// Entries written or removed per batch while building or dropping an index:
/// bounds memory and the size of one WAL record.
const CHUNK_ENTRIES: usize = 512;
/// Bytes of entry values per backfill batch.
const CHUNK_BYTES: usize = 4 << 20;

/// The tree key of `item`'s entry in `index`, or `None` when the item lacks
/// one of the index's key attributes (the item is not in the index).
///
/// Write paths reject mistyped index keys before staging; an item stored
/// before a GSI existed may still hold one (or an empty string), and is left
/// out of the index, as DynamoDB's backfill leaves out such violations.
pub fn entry_key(def: &TableDef, index: &IndexDef, item: &Item) -> Option<Vec<u8>> {
    let value = |attr: &KeyAttribute| -> Option<Vec<u8>> {
        let v = item.get(&attr.name)?;
        let fits = match (v, attr.key_type) {
            (AttributeValue::S(s), ScalarType::S) => !s.is_empty(),
            (AttributeValue::B(b), ScalarType::B) => !b.is_empty(),
            (AttributeValue::N(_), ScalarType::N) => true,
            _ => false,
        };
        fits.then(|| values::encode_key_value(v))
    };
    let ipk = value(&index.key_schema.hash)?;
    let mut rest = match &index.key_schema.range {
        Some(r) => value(r)?,
        None => Vec::new(),
    };
    append_base_key(def, item, &mut rest)?;
    Some(keyspace::item_key(def.id, index.id, &ipk, &rest))
}

fn append_base_key(def: &TableDef, item: &Item, out: &mut Vec<u8>) -> Option<()> {
    out.extend_from_slice(&values::encode_key_value(item.get(&def.key_schema.hash.name)?));
    if let Some(r) = &def.key_schema.range {
        out.extend_from_slice(&values::encode_key_value(item.get(&r.name)?));
    }
    Some(())
}

/// Whether `index` keeps attribute `name` in its entries.
pub fn projects(def: &TableDef, index: &IndexDef, name: &str) -> bool {
    match index.projection.projection_type {
        ProjectionType::All => true,
        ProjectionType::KeysOnly => is_key(def, index, name),
        ProjectionType::Include => {
            is_key(def, index, name) || index.projection.non_key_attributes.iter().any(|n| n == name)
        }
    }
}

fn is_key(def: &TableDef, index: &IndexDef, name: &str) -> bool {
    def.key_schema.is_key_attribute(name) || index.key_schema.is_key_attribute(name)
}

/// The part of `item` that `index` stores.
pub fn project(def: &TableDef, index: &IndexDef, item: &Item) -> Item {
    match index.projection.projection_type {
        ProjectionType::All => item.clone(),
        _ => item.iter().filter(|(k, _)| projects(def, index, k)).map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

/// The key attributes naming an entry: the table's and the index's.
pub fn entry_key_attributes(def: &TableDef, index: &IndexDef, entry: &Item) -> Item {
    let mut key = key_attributes(&def.key_schema, entry);
    key.extend(key_attributes(&index.key_schema, entry));
    key
}

/// Add to `batch` the index changes of one item going from `old` to `new`:
/// the old entry is removed when its index key changed or the item left the
/// index, and the new entry is written unless it is byte-for-byte the same.
pub fn stage_entries(batch: &mut WriteBatch, def: &TableDef, old: Option<&Item>, new: Option<&Item>) -> Result<()> {
    for (index, _) in def.indexes() {
        let old_key = old.and_then(|o| entry_key(def, index, o));
        let new_key = new.and_then(|n| entry_key(def, index, n));
        if let Some(ok) = &old_key {
            if new_key.as_ref() != Some(ok) {
                batch.delete(ok.clone());
            }
        }
        if let (Some(nk), Some(n)) = (new_key, new) {
            let same_key = old_key.as_ref() == Some(&nk);
            if index.projection.projection_type == ProjectionType::All {
                if !(same_key && old == Some(n)) {
                    batch.put(nk, values::encode_item(n)?);
                }
            } else {
                let projected = project(def, index, n);
                if !(same_key && old.is_some_and(|o| project(def, index, o) == projected)) {
                    batch.put(nk, values::encode_item(&projected)?);
                }
            }
        }
    }
    Ok(())
}

/// The DynamoDB size of an item's entry in an index (0 when not in it).
pub fn entry_size(def: &TableDef, index: &IndexDef, item: &Item) -> usize {
    match entry_key(def, index, item) {
        Some(_) => values::item_size(&project(def, index, item)),
        None => 0,
    }
}

/// Refuse a write that would grow an item collection (one partition of a
/// table with local secondary indexes: its items and their LSI entries)
/// past the configured limit, as DynamoDB does at 10 GB. The collection is
/// measured in stored bytes (the item codec is close to DynamoDB's size
/// measure) by reading its keys and values without decoding them. That pass
/// over the partition is made only when the whole database holds enough
/// bytes for the write to reach the limit ([`Tree::stored_bytes_bound`]), so
/// below the limit a growing write costs a sum over the SSTs, not a read of
/// its partition; writes that do not grow an item's footprint always pass.
pub fn check_collection_size(tree: &Tree, def: &TableDef, old: Option<&Item>, new: Option<&Item>) -> Result<()> {
    let Some(new) = new else { return Ok(()) };
    let footprint = |item: &Item| -> Result<u64> {
        let mut bytes = values::encode_item(item)?.len() as u64;
        for index in &def.local_indexes {
            if entry_key(def, index, item).is_some() {
                bytes += values::encode_item(&project(def, index, item))?.len() as u64;
            }
        }
        Ok(bytes)
    };
    let grown = footprint(new)?;
    let before = match old {
        Some(o) => footprint(o)?,
        None => 0,
    };
    if grown <= before {
        return Ok(());
    }
    let limit = tree.config.item_collection_limit_bytes;
    // The partition holds at most what the database holds.
    if tree.stored_bytes_bound().saturating_add(grown) <= limit {
        return Ok(());
    }
    let Some(pk) = new.get(&def.key_schema.hash.name) else { return Ok(()) };
    let pk = values::encode_key_value(pk);
    let mut size = 0u64;
    for id in std::iter::once(keyspace::BASE_TABLE).chain(def.local_indexes.iter().map(|i| i.id)) {
        let prefix = keyspace::partition_prefix(def.id, id, &pk);
        let end = keyspace::prefix_end(&prefix);
        let upper = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        for entry in tree.range(Bound::Included(&prefix), upper, false) {
            size += entry?.1.len() as u64;
        }
    }
    if size.saturating_sub(before) + grown > limit {
        return Err(Error::ItemCollectionSizeLimitExceeded("Item collection size limit exceeded".into()));
    }
    Ok(())
}

/// The base-table key of the item an entry stands for.
pub fn base_key_of_entry(def: &TableDef, entry: &Item) -> Vec<u8> {
    encode_primary_key(def, entry)
}

/// Finish every unpopulated index and every pending index drop of `def`,
/// persisting the definition after each step. Holding the tree's write lock
/// (the caller's `&mut`) keeps other writers out, so a backfill reads a
/// stable base table.
pub fn finish_pending(tree: &mut Tree, def: &mut TableDef) -> Result<bool> {
    let mut changed = false;
    while let Some(id) = def.dropping_indexes.first().copied() {
        delete_range(tree, keyspace::index_range(def.id, id))?;
        def.dropping_indexes.remove(0);
        persist(tree, def)?;
        changed = true;
    }
    let pending: Vec<usize> = (0..def.local_indexes.len() + def.global_indexes.len())
        .filter(|&i| !index_at(def, i).populated)
        .collect();
    for i in pending {
        // Clear what a build interrupted by a crash left, then rebuild.
        let index = index_at(def, i).clone();
        delete_range(tree, keyspace::index_range(def.id, index.id))?;
        backfill(tree, def, &index)?;
        index_at_mut(def, i).populated = true;
        persist(tree, def)?;
        changed = true;
    }
    Ok(changed)
}

fn index_at(def: &TableDef, i: usize) -> &IndexDef {
    let locals = def.local_indexes.len();
    if i < locals {
        &def.local_indexes[i]
    } else {
        &def.global_indexes[i - locals]
    }
}

fn index_at_mut(def: &mut TableDef, i: usize) -> &mut IndexDef {
    let locals = def.local_indexes.len();
    if i < locals {
        &mut def.local_indexes[i]
    } else {
        &mut def.global_indexes[i - locals]
    }
}

fn persist(tree: &mut Tree, def: &TableDef) -> Result<()> {
    let mut batch = WriteBatch::new();
    batch.put(catalog_key(&def.name), super::table::encode_def(def)?);
    tree.write(batch)?;
    Ok(())
}

/// Remove every key in `[start, end)`, a chunk at a time.
fn delete_range(tree: &mut Tree, (start, end): (Vec<u8>, Vec<u8>)) -> Result<()> {
    let mut lower = Bound::Included(start);
    loop {
        let mut keys = Vec::new();
        for entry in tree.range(lower.as_ref().map(Vec::as_slice), Bound::Excluded(&end), false) {
            keys.push(entry?.0);
            if keys.len() == CHUNK_ENTRIES {
                break;
            }
        }
        let Some(last) = keys.last().cloned() else { return Ok(()) };
        let full = keys.len() == CHUNK_ENTRIES;
        let mut batch = WriteBatch::new();
        keys.into_iter().for_each(|k| batch.delete(k));
        tree.write(batch)?;
        if !full {
            return Ok(());
        }
        lower = Bound::Excluded(last);
    }
}

/// Write the entries of every base item into `index`, a chunk at a time.
fn backfill(tree: &mut Tree, def: &TableDef, index: &IndexDef) -> Result<()> {
    let (start, end) = keyspace::index_range(def.id, keyspace::BASE_TABLE);
    let mut lower = Bound::Included(start);
    loop {
        let mut batch = WriteBatch::new();
        let mut read = 0;
        let mut bytes = 0;
        let mut last = None;
        for entry in tree.range(lower.as_ref().map(Vec::as_slice), Bound::Excluded(&end), false) {
            let (key, value) = entry?;
            let item = values::decode_item(&value)?;
            if let Some(k) = entry_key(def, index, &item) {
                let value = values::encode_item(&project(def, index, &item))?;
                bytes += k.len() + value.len();
                batch.put(k, value);
            }
            last = Some(key);
            read += 1;
            if read == CHUNK_ENTRIES || bytes >= CHUNK_BYTES {
                break;
            }
        }
        let more = read == CHUNK_ENTRIES || bytes >= CHUNK_BYTES;
        if !batch.is_empty() {
            tree.write(batch)?;
        }
        match last {
            Some(k) if more => lower = Bound::Excluded(k),
            _ => return Ok(()),
        }
    }
}

/// True if some table has an index build or drop left to finish.
pub fn has_pending(catalog: &Catalog) -> bool {
    catalog.names().filter_map(|name| catalog.get(name)).any(|def| is_unfinished(def))
}

fn is_unfinished(def: &TableDef) -> bool {
    !def.dropping_indexes.is_empty() || def.indexes().any(|(i, _)| !i.populated)
}

/// At open: finish index builds and drops a crash interrupted (and build
/// the indexes of definitions written before entries were maintained).
pub fn finish_all_pending(tree: &mut Tree, catalog: &mut Catalog) -> Result<()> {
    let names: Vec<String> = catalog.names().map(str::to_string).collect();
    for name in names {
        let Some(def) = catalog.get(&name) else { continue };
        if !is_unfinished(def) {
            continue;
        }
        let mut def = (**def).clone();
        if finish_pending(tree, &mut def)? {
            catalog.insert(def);
        }
    }
    Ok(())
}
