//! Table operations: CreateTable, DescribeTable, ListTables, DeleteTable,
//! UpdateTable.
//!
//! Tables are created ACTIVE at once (DynamoDB answers CREATING and becomes
//! ACTIVE later; an embedded store has nothing to wait for, and SDK waiters
//! accept ACTIVE). A table's definition, its catalog entry and the table-id
//! counter commit in one write batch; DeleteTable removes the definition and
//! every key of the table (items, index entries, change records) in one batch,
//! so a crash never leaves half a table.
//!
//! `ItemCount` and `TableSizeBytes` are exact, computed when described (DynamoDB
//! refreshes them about every six hours; exact figures are within its promise).

use super::json::{table_name, Constraints, Fields};
use super::{describe, keyspace, now_seconds};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::lsm::WriteBatch;
use crate::model::request::{CreateTableRequest, IndexSpec};
use crate::model::schema::{
    catalog_key, next_id_key, BillingMode, IndexDef, IndexProjection, KeyAttribute, KeySchema, ProjectionType,
    ScalarType, TableDef, Throughput,
};
use serde_json::{json, Value};
use std::ops::Bound;

const INVALID: &str = "One or more parameter values were invalid";
/// DynamoDB's bound on provisioned capacity units.
const MAX_CAPACITY_UNITS: i64 = 1_000_000_000_000;

// ----- CreateTable ---------------------------------------------------------

/// Parse and validate a CreateTable request in DynamoDB's order.
pub fn parse_create_table(request: &Value) -> Result<CreateTableRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();

    // Shape pass: read every field once so type errors come first.
    let attr_defs = read_key_elements(&f, "AttributeDefinitions", "AttributeDefinition", "AttributeType")?;
    let key_schema = read_key_elements(&f, "KeySchema", "KeySchemaElement", "KeyType")?;
    let billing = f.str("BillingMode")?;
    let throughput = read_throughput(&f)?;
    let lsis = read_indexes(&f, "LocalSecondaryIndexes", "LocalSecondaryIndex")?;
    let gsis = read_indexes(&f, "GlobalSecondaryIndexes", "GlobalSecondaryIndex")?;
    let deletion_protection = f.bool("DeletionProtectionEnabled")?.unwrap_or(false);

    let name = table_name(&f, &mut c)?;

    // Constraint pass, in DynamoDB's member order.
    c.not_null(attr_defs.is_some(), "attributeDefinitions");
    if let Some(defs) = &attr_defs {
        for (i, (n, t)) in defs.iter().enumerate() {
            let p = format!("attributeDefinitions.{}.member", i + 1);
            c.not_null(n.is_some(), &format!("{p}.attributeName"));
            c.not_null(t.is_some(), &format!("{p}.attributeType"));
            c.one_of(t.as_deref(), &["B", "N", "S"], &format!("{p}.attributeType"));
        }
    }
    c.one_of(billing, &["PROVISIONED", "PAY_PER_REQUEST"], "billingMode");
    check_throughput_constraints(&throughput, "provisionedThroughput", &mut c);
    check_key_schema_constraints(&key_schema, "keySchema", true, &mut c);
    for (family, list) in [("localSecondaryIndexes", &lsis), ("globalSecondaryIndexes", &gsis)] {
        if let Some(list) = list {
            for (i, idx) in list.iter().enumerate() {
                let p = format!("{family}.{}.member", i + 1);
                c.not_null(idx.name.is_some(), &format!("{p}.indexName"));
                c.resource_name(idx.name.as_deref(), &format!("{p}.indexName"), 3, 255);
                check_key_schema_constraints(&idx.key_schema, &format!("{p}.keySchema"), false, &mut c);
                c.not_null(idx.projection_present, &format!("{p}.projection"));
                c.one_of(idx.projection_type.as_deref(), &["ALL", "INCLUDE", "KEYS_ONLY"], &format!("{p}.projection.projectionType"));
                if let Some(nk) = &idx.non_key_attributes {
                    c.check(!nk.is_empty(), None, &format!("{p}.projection.nonKeyAttributes"), "Member must have length greater than or equal to 1");
                }
                check_throughput_constraints(&idx.throughput, &format!("{p}.provisionedThroughput"), &mut c);
            }
        }
    }
    c.finish()?;

    // Semantic pass. Every Option below was checked non-null above.
    let billing_mode = match billing {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        _ => BillingMode::Provisioned,
    };
    let throughput = match billing_mode {
        BillingMode::PayPerRequest => {
            if throughput.is_some() {
                return Err(validation(format!(
                    "{INVALID}: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
                )));
            }
            None
        }
        BillingMode::Provisioned => Some(throughput_value(throughput)?),
    };

    let defs: Vec<KeyAttribute> = attr_defs
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(n, t)| Some(KeyAttribute { name: n?, key_type: ScalarType::parse(t.as_deref()?)? }))
        .collect();
    let def_names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    let key_elems = key_schema.unwrap_or_default();
    let table_key = build_key_schema(&key_elems, &defs)?;

    let mut seen_defs = std::collections::BTreeSet::new();
    for d in &defs {
        if !seen_defs.insert(d.name.as_str()) {
            return Err(validation(format!("{INVALID}: Duplicate AttributeName: {}", d.name)));
        }
    }

    let mut index_names = std::collections::BTreeSet::new();
    let mut local_indexes = Vec::new();
    if let Some(list) = &lsis {
        if list.is_empty() {
            return Err(validation(format!("{INVALID}: List of LocalSecondaryIndexes is empty")));
        }
        if table_key.range.is_none() {
            return Err(validation(format!(
                "{INVALID}: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
            )));
        }
        for idx in list {
            let spec = build_index_spec(idx, &defs, &def_names, billing_mode, false)?;
            if spec.key_schema.range.is_none() {
                return Err(validation(format!(
                    "{INVALID}: Index KeySchema does not have a range key for index: {}",
                    spec.name
                )));
            }
            if spec.key_schema.hash.name != table_key.hash.name {
                return Err(validation(format!(
                    "{INVALID}: Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                    spec.name, spec.key_schema.hash.name, table_key.hash.name
                )));
            }
            if !index_names.insert(spec.name.clone()) {
                return Err(validation(format!("{INVALID}: Duplicate index name: {}", spec.name)));
            }
            local_indexes.push(spec);
        }
        if list.len() > 5 {
            return Err(validation(format!(
                "{INVALID}: Number of LocalSecondaryIndexes exceeds per-table limit of 5"
            )));
        }
    }
    let mut global_indexes = Vec::new();
    if let Some(list) = &gsis {
        if list.is_empty() {
            return Err(validation(format!("{INVALID}: List of GlobalSecondaryIndexes is empty")));
        }
        for idx in list {
            let spec = build_index_spec(idx, &defs, &def_names, billing_mode, true)?;
            if !index_names.insert(spec.name.clone()) {
                return Err(validation(format!("{INVALID}: Duplicate index name: {}", spec.name)));
            }
            global_indexes.push(spec);
        }
        if list.len() > 20 {
            return Err(validation(format!(
                "{INVALID}: GlobalSecondaryIndex count exceeds the per-table limit of 20"
            )));
        }
    }

    // AttributeDefinitions must name exactly the key attributes in use.
    let mut used: Vec<&str> = table_key.attributes().map(|a| a.name.as_str()).collect();
    for spec in local_indexes.iter().chain(global_indexes.iter()) {
        used.extend(spec.key_schema.attributes().map(|a| a.name.as_str()));
    }
    used.sort_unstable();
    used.dedup();
    if used.len() != defs.len() {
        return Err(validation(format!(
            "{INVALID}: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
        )));
    }

    let attribute_schema = super::validation::read_schema(&f)?;
    Ok(CreateTableRequest {
        attribute_schema,
        table_name: name.to_string(),
        key_schema: table_key,
        attribute_definitions: defs,
        local_indexes,
        global_indexes,
        billing_mode,
        throughput,
        deletion_protection,
    })
}

/// Create the table described by `req`.
pub fn create_table(db: &Database, req: CreateTableRequest) -> Result<TableDef> {
    let mut catalog = db.catalog_write();
    if catalog.get(&req.table_name).is_some() {
        return Err(Error::ResourceInUse(format!("Table already exists: {}", req.table_name)));
    }
    let mut tree = db.tree_write();
    let id = catalog.allocate_id();
    let created_at = now_seconds();
    let to_def = |spec: IndexSpec, index_id: u8| IndexDef {
        name: spec.name,
        id: index_id,
        key_schema: spec.key_schema,
        projection: spec.projection,
        throughput: spec.throughput,
        // A new table has no items, so its indexes are complete.
        populated: true,
    };
    let mut next_index = 1u8;
    let mut local_indexes = Vec::new();
    for spec in req.local_indexes {
        local_indexes.push(to_def(spec, next_index));
        next_index += 1;
    }
    let mut global_indexes = Vec::new();
    for spec in req.global_indexes {
        global_indexes.push(to_def(spec, next_index));
        next_index += 1;
    }
    let def = TableDef {
        uuid: pseudo_uuid(&req.table_name, id, created_at),
        name: req.table_name,
        id,
        key_schema: req.key_schema,
        attribute_definitions: req.attribute_definitions,
        local_indexes,
        global_indexes,
        billing_mode: req.billing_mode,
        throughput: req.throughput,
        created_at,
        deletion_protection: req.deletion_protection,
        attribute_schema: req.attribute_schema,
        dropping_indexes: Vec::new(),
        next_index_id: next_index,
    };
    let mut batch = WriteBatch::new();
    batch.put(catalog_key(&def.name), encode_def(&def)?);
    batch.put(next_id_key(), catalog.next_table_id().to_be_bytes().to_vec());
    tree.write(batch)?;
    catalog.insert(def.clone());
    Ok(def)
}

pub fn handle_create_table(db: &Database, request: &Value) -> Result<Value> {
    let req = parse_create_table(request)?;
    let def = create_table(db, req)?;
    Ok(json!({ "TableDescription": describe::table_description(&def, &Default::default()) }))
}

// ----- DescribeTable / ListTables / DeleteTable ----------------------------

/// The name of a request that addresses one existing table.
fn single_table_name(request: &Value) -> Result<String> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let name = table_name(&f, &mut c)?;
    c.finish()?;
    Ok(name.to_string())
}

pub(crate) fn table_not_found(name: &str) -> Error {
    Error::ResourceNotFound(format!("Requested resource not found: Table: {name} not found"))
}

pub fn handle_describe_table(db: &Database, request: &Value) -> Result<Value> {
    let name = single_table_name(request)?;
    let catalog = db.catalog_read();
    let def = catalog.get(&name).ok_or_else(|| table_not_found(&name))?;
    let tree = db.tree_read();
    let stats = describe::table_stats(&tree, def)?;
    Ok(json!({ "Table": describe::table_description(def, &stats) }))
}

pub fn handle_list_tables(db: &Database, request: &Value) -> Result<Value> {
    let f = Fields::of_request(request)?;
    let limit = f.int("Limit")?;
    let start = f.str("ExclusiveStartTableName")?;
    let mut c = Constraints::new();
    if let Some(l) = limit {
        let shown = l.to_string();
        c.check(l >= 1, Some(&shown), "limit", "Member must have value greater than or equal to 1");
        c.check(l <= 100, Some(&shown), "limit", "Member must have value less than or equal to 100");
    }
    c.resource_name(start, "exclusiveStartTableName", 3, 255);
    c.finish()?;
    let limit = limit.unwrap_or(100) as usize;
    let catalog = db.catalog_read();
    let mut names: Vec<&str> = catalog.names().filter(|n| start.is_none_or(|s| *n > s)).take(limit + 1).collect();
    let mut out = json!({});
    if names.len() > limit {
        names.truncate(limit);
        out["LastEvaluatedTableName"] = json!(names[limit - 1]);
    }
    out["TableNames"] = json!(names);
    Ok(out)
}

pub fn handle_delete_table(db: &Database, request: &Value) -> Result<Value> {
    let name = single_table_name(request)?;
    let mut catalog = db.catalog_write();
    let def = catalog.get(&name).ok_or_else(|| table_not_found(&name))?.clone();
    if def.deletion_protection {
        return Err(validation(format!(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
        )));
    }
    let mut tree = db.tree_write();
    let stats = describe::table_stats(&tree, &def)?;
    let mut batch = WriteBatch::new();
    let (start, end) = keyspace::table_range(def.id);
    for entry in tree.range(Bound::Included(&start), Bound::Excluded(&end), false) {
        let (key, _) = entry?;
        batch.delete(key);
    }
    batch.delete(catalog_key(&name));
    tree.write(batch)?;
    catalog.remove(&name);
    let mut desc = describe::table_description(&def, &stats);
    desc["TableStatus"] = json!("DELETING");
    Ok(json!({ "TableDescription": desc }))
}

// ----- UpdateTable ---------------------------------------------------------

pub fn handle_update_table(db: &Database, request: &Value) -> Result<Value> {
    let f = Fields::of_request(request)?;
    let attr_defs = read_key_elements(&f, "AttributeDefinitions", "AttributeDefinition", "AttributeType")?;
    let billing = f.str("BillingMode")?;
    let throughput = read_throughput(&f)?;
    let gsi_updates = f.list("GlobalSecondaryIndexUpdates")?;
    let deletion_protection = f.bool("DeletionProtectionEnabled")?;
    let mut c = Constraints::new();
    let name = table_name(&f, &mut c)?;
    c.one_of(billing, &["PROVISIONED", "PAY_PER_REQUEST"], "billingMode");
    check_throughput_constraints(&throughput, "provisionedThroughput", &mut c);
    c.finish()?;

    let has_gsi_updates = gsi_updates.is_some_and(|u| !u.is_empty());
    if throughput.is_none()
        && billing.is_none()
        && !has_gsi_updates
        && deletion_protection.is_none()
        && !f.has("StreamSpecification")
        && !f.has("SSESpecification")
        && !f.has("ReplicaUpdates")
        && !f.has("TableClass")
        && !f.has("KeystoneSchema")
    {
        return Err(validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    if billing == Some("PROVISIONED") && throughput.is_none() {
        return Err(validation(format!(
            "{INVALID}: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
        )));
    }

    let mut catalog = db.catalog_write();
    let mut def = (**catalog.get(name).ok_or_else(|| table_not_found(name))?).clone();
    let target_mode = match billing {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        Some(_) => BillingMode::Provisioned,
        None => def.billing_mode,
    };
    if throughput.is_some() && target_mode == BillingMode::PayPerRequest {
        return Err(validation(format!(
            "{INVALID}: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
        )));
    }
    if let Some(t) = throughput {
        let t = throughput_value(Some(t))?;
        if def.billing_mode == BillingMode::Provisioned && def.throughput == Some(t) && billing.is_none() {
            return Err(validation(format!(
                "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {}. Requested ReadCapacityUnits: {}. Current WriteCapacityUnits provisioned for the table: {}. Requested WriteCapacityUnits: {}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
                t.read, t.read, t.write, t.write
            )));
        }
        def.throughput = Some(t);
    }
    def.billing_mode = target_mode;
    if target_mode == BillingMode::PayPerRequest {
        def.throughput = None;
        for g in &mut def.global_indexes {
            g.throughput = None;
        }
    }
    if let Some(p) = deletion_protection {
        def.deletion_protection = p;
    }
    // `"KeystoneSchema": null` is absent; `{"Attributes": {}}` clears the schema.
    if let Some(schema) = super::validation::read_schema(&f)? {
        def.attribute_schema = if schema.attributes.is_empty() { None } else { Some(schema) };
    }
    if let Some(updates) = gsi_updates {
        apply_gsi_updates(&mut def, updates, attr_defs)?;
    }

    let mut tree = db.tree_write();
    let mut batch = WriteBatch::new();
    batch.put(catalog_key(&def.name), encode_def(&def)?);
    tree.write(batch)?;
    // Index creations and deletions were recorded first, so a crash while
    // entries are written or removed is finished at the next open.
    super::index::finish_pending(&mut tree, &mut def)?;
    let stats = describe::table_stats(&tree, &def)?;
    catalog.insert(def.clone());
    Ok(json!({ "TableDescription": describe::table_description(&def, &stats) }))
}

/// Apply `GlobalSecondaryIndexUpdates` (Create, Update, Delete) to `def`.
fn apply_gsi_updates(
    def: &mut TableDef,
    updates: &[Value],
    attr_defs: Option<Vec<(Option<String>, Option<String>)>>,
) -> Result<()> {
    let mut touched = std::collections::BTreeSet::new();
    // Each Create or Delete builds or removes a whole index; DynamoDB runs
    // one such change per table at a time.
    let online = updates.iter().filter(|u| u.get("Create").is_some_and(|c| !c.is_null()) || u.get("Delete").is_some_and(|d| !d.is_null())).count();
    if online > 1 {
        return Err(Error::LimitExceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table".into(),
        ));
    }
    let new_defs: Vec<KeyAttribute> = attr_defs
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(n, t)| Some(KeyAttribute { name: n?, key_type: ScalarType::parse(t.as_deref()?)? }))
        .collect();
    for update in updates {
        let u = Fields::of_struct(update, "GlobalSecondaryIndexUpdate")?;
        let create = u.structure("Create", "CreateGlobalSecondaryIndexAction")?;
        let change = u.structure("Update", "UpdateGlobalSecondaryIndexAction")?;
        let delete = u.structure("Delete", "DeleteGlobalSecondaryIndexAction")?;
        let index_name = [create, change, delete]
            .iter()
            .flatten()
            .find_map(|s| s.str("IndexName").ok().flatten())
            .map(str::to_string);
        let Some(index_name) = index_name else {
            return Err(validation(format!(
                "{INVALID}: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"
            )));
        };
        if !touched.insert(index_name.clone()) {
            return Err(validation(format!(
                "{INVALID}: Only one global secondary index update per index is allowed simultaneously. Index: {index_name}"
            )));
        }
        if let Some(create) = create {
            if def.index(&index_name).is_some() {
                return Err(validation(format!("{INVALID}: Duplicate index name: {index_name}")));
            }
            if def.global_indexes.len() >= 20 {
                return Err(validation(format!(
                    "{INVALID}: GlobalSecondaryIndex count exceeds the per-table limit of 20"
                )));
            }
            let raw = read_index(&create)?;
            let mut defs = def.attribute_definitions.clone();
            for d in &new_defs {
                if !defs.iter().any(|e| e.name == d.name) {
                    defs.push(d.clone());
                }
            }
            let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            let spec = build_index_spec(&raw, &defs, &names, def.billing_mode, true)?;
            for a in spec.key_schema.attributes() {
                if let Some(existing) = def.attribute_definitions.iter().find(|e| e.name == a.name) {
                    if existing.key_type != a.key_type {
                        return Err(validation(format!(
                            "{INVALID}: Cannot change the type of existing attribute {}",
                            a.name
                        )));
                    }
                } else {
                    def.attribute_definitions.push(a.clone());
                }
            }
            let id = def
                .free_index_id(keyspace::MAX_INDEX_ID)
                .ok_or_else(|| Error::LimitExceeded("Too many index creations on this table".into()))?;
            def.next_index_id = id + 1;
            // Backfilled by `index::finish_pending` before UpdateTable answers.
            def.global_indexes.push(IndexDef {
                name: spec.name,
                id,
                key_schema: spec.key_schema,
                projection: spec.projection,
                throughput: spec.throughput,
                populated: false,
            });
        } else if let Some(change) = change {
            let Some(g) = def.global_indexes.iter_mut().find(|g| g.name == index_name) else {
                return Err(Error::ResourceNotFound(format!(
                    "Requested resource not found: Index: {index_name} not found for table {}",
                    def.name
                )));
            };
            let raw = read_throughput(&change)?;
            if def.billing_mode == BillingMode::PayPerRequest && raw.is_some() {
                return Err(validation(format!(
                    "{INVALID}: ProvisionedThroughput should not be specified for index: {index_name} when BillingMode is PAY_PER_REQUEST"
                )));
            }
            if raw.is_some() {
                g.throughput = Some(throughput_value(raw)?);
            }
        } else if delete.is_some() {
            let Some(pos) = def.global_indexes.iter().position(|g| g.name == index_name) else {
                return Err(Error::ResourceNotFound(format!(
                    "Requested resource not found: Index: {index_name} not found for table {}",
                    def.name
                )));
            };
            let gone = def.global_indexes.remove(pos);
            // Its entries are removed by `index::finish_pending`.
            def.next_index_id = def.next_index_id.max(gone.id + 1);
            def.dropping_indexes.push(gone.id);
        }
    }
    // Drop definitions no longer used by any key (DynamoDB forgets them too).
    let used: Vec<String> = def
        .key_schema
        .attributes()
        .chain(def.local_indexes.iter().flat_map(|i| i.key_schema.attributes()))
        .chain(def.global_indexes.iter().flat_map(|i| i.key_schema.attributes()))
        .map(|a| a.name.clone())
        .collect();
    def.attribute_definitions.retain(|d| used.contains(&d.name));
    Ok(())
}

// ----- shared parsing ------------------------------------------------------

fn validation(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

pub(crate) fn encode_def(def: &TableDef) -> Result<Vec<u8>> {
    serde_json::to_vec(def).map_err(|e| Error::Storage(crate::error::StorageError::corrupted(format!("table definition: {e}"), 0)))
}

/// `(AttributeName, <type field>)` pairs of a key-schema-like list.
type RawKeyElements = Vec<(Option<String>, Option<String>)>;

fn read_key_elements(f: &Fields, field: &str, type_name: &str, type_field: &str) -> Result<Option<RawKeyElements>> {
    let Some(list) = f.list(field)? else { return Ok(None) };
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        let e = Fields::of_struct(v, type_name)?;
        out.push((e.str("AttributeName")?.map(str::to_string), e.str(type_field)?.map(str::to_string)));
    }
    Ok(Some(out))
}

type RawThroughput = (Option<i64>, Option<i64>);

fn read_throughput(f: &Fields) -> Result<Option<RawThroughput>> {
    let Some(t) = f.structure("ProvisionedThroughput", "ProvisionedThroughput")? else { return Ok(None) };
    Ok(Some((t.int("ReadCapacityUnits")?, t.int("WriteCapacityUnits")?)))
}

fn check_throughput_constraints(t: &Option<RawThroughput>, path: &str, c: &mut Constraints) {
    if let Some((read, write)) = t {
        for (v, member) in [(write, "writeCapacityUnits"), (read, "readCapacityUnits")] {
            let p = format!("{path}.{member}");
            c.not_null(v.is_some(), &p);
            if let Some(v) = v {
                let shown = v.to_string();
                c.check(*v >= 1, Some(&shown), &p, "Member must have value greater than or equal to 1");
            }
        }
    }
}

fn throughput_value(t: Option<RawThroughput>) -> Result<Throughput> {
    let (Some(read), Some(write)) = t.unwrap_or((None, None)) else {
        return Err(validation(format!(
            "{INVALID}: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )));
    };
    if read > MAX_CAPACITY_UNITS {
        return Err(validation(format!("Given value {read} for ReadCapacityUnits is out of bounds")));
    }
    if write > MAX_CAPACITY_UNITS {
        return Err(validation(format!("Given value {write} for WriteCapacityUnits is out of bounds")));
    }
    Ok(Throughput { read: read as u64, write: write as u64 })
}

fn check_key_schema_constraints(ks: &Option<RawKeyElements>, path: &str, enum_checked: bool, c: &mut Constraints) {
    c.not_null(ks.is_some(), path);
    let Some(ks) = ks else { return };
    if ks.is_empty() {
        c.fail(Some("[]"), path, "Member must have length greater than or equal to 1");
    }
    if ks.len() > 2 {
        c.fail(None, path, "Member must have length less than or equal to 2");
    }
    for (i, (n, t)) in ks.iter().enumerate() {
        let p = format!("{path}.{}.member", i + 1);
        c.not_null(n.is_some(), &format!("{p}.attributeName"));
        c.not_null(t.is_some(), &format!("{p}.keyType"));
        if enum_checked {
            c.one_of(t.as_deref(), &["HASH", "RANGE"], &format!("{p}.keyType"));
        }
    }
}

/// One index definition as it appeared in the request.
struct RawIndex {
    name: Option<String>,
    key_schema: Option<RawKeyElements>,
    projection_present: bool,
    projection_type: Option<String>,
    non_key_attributes: Option<Vec<String>>,
    throughput: Option<RawThroughput>,
}

fn read_index(e: &Fields) -> Result<RawIndex> {
    let projection = e.structure("Projection", "Projection")?;
    Ok(RawIndex {
        name: e.str("IndexName")?.map(str::to_string),
        key_schema: read_key_elements(e, "KeySchema", "KeySchemaElement", "KeyType")?,
        projection_present: projection.is_some(),
        projection_type: match &projection {
            Some(p) => p.str("ProjectionType")?.map(str::to_string),
            None => None,
        },
        non_key_attributes: match &projection {
            Some(p) => p.string_list("NonKeyAttributes")?,
            None => None,
        },
        throughput: read_throughput(e)?,
    })
}

fn read_indexes(f: &Fields, field: &str, type_name: &str) -> Result<Option<Vec<RawIndex>>> {
    let Some(list) = f.list(field)? else { return Ok(None) };
    list.iter().map(|v| read_index(&Fields::of_struct(v, type_name)?)).collect::<Result<Vec<_>>>().map(Some)
}

/// Check a key schema against the attribute definitions (DynamoDB's order).
fn build_key_schema(elems: &RawKeyElements, defs: &[KeyAttribute]) -> Result<KeySchema> {
    let names: Vec<&str> = elems.iter().filter_map(|(n, _)| n.as_deref()).collect();
    let def_names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    if names.len() > def_names.len() {
        return Err(validation("Invalid KeySchema: Some index key attribute have no definition"));
    }
    if names.iter().any(|n| !def_names.contains(n)) {
        return Err(validation(format!(
            "{INVALID}: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            names.join(", "),
            def_names.join(", ")
        )));
    }
    if names.len() == 2 && names[0] == names[1] {
        return Err(validation("Both the Hash Key and the Range Key element in the KeySchema have the same name"));
    }
    if elems[0].1.as_deref() != Some("HASH") {
        return Err(validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type"));
    }
    if elems.len() == 2 && elems[1].1.as_deref() != Some("RANGE") {
        return Err(validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
    }
    let lookup = |n: &str| -> KeyAttribute {
        // Presence in `defs` was checked above.
        defs.iter().find(|d| d.name == n).cloned().unwrap_or(KeyAttribute { name: n.into(), key_type: ScalarType::S })
    };
    Ok(KeySchema { hash: lookup(names[0]), range: names.get(1).map(|n| lookup(n)) })
}

fn build_index_spec(
    idx: &RawIndex,
    defs: &[KeyAttribute],
    def_names: &[&str],
    billing: BillingMode,
    global: bool,
) -> Result<IndexSpec> {
    let name = idx.name.clone().unwrap_or_default();
    let elems = idx.key_schema.clone().unwrap_or_default();
    let keys: Vec<&str> = elems.iter().filter_map(|(n, _)| n.as_deref()).collect();
    if keys.iter().any(|k| !def_names.contains(k)) {
        return Err(validation(format!(
            "{INVALID}: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            keys.join(", "),
            def_names.join(", ")
        )));
    }
    let key_schema = build_key_schema(&elems, defs)?;
    let projection_type = match idx.projection_type.as_deref() {
        Some("ALL") => ProjectionType::All,
        Some("KEYS_ONLY") => ProjectionType::KeysOnly,
        Some("INCLUDE") => ProjectionType::Include,
        _ => return Err(validation(format!("{INVALID}: Unknown ProjectionType: null"))),
    };
    if idx.non_key_attributes.is_some() && projection_type != ProjectionType::Include {
        return Err(validation(format!(
            "{INVALID}: ProjectionType is {}, but NonKeyAttributes is specified",
            projection_type.as_str()
        )));
    }
    let throughput = if global {
        match (billing, idx.throughput) {
            (BillingMode::PayPerRequest, Some(_)) => {
                return Err(validation(format!(
                    "{INVALID}: ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
                )))
            }
            (BillingMode::PayPerRequest, None) => None,
            (BillingMode::Provisioned, None) => {
                return Err(validation(format!(
                    "{INVALID}: ProvisionedThroughput must be specified for index: {name}"
                )))
            }
            (BillingMode::Provisioned, t) => Some(throughput_value(t)?),
        }
    } else {
        None
    };
    Ok(IndexSpec {
        name,
        key_schema,
        projection: IndexProjection {
            projection_type,
            non_key_attributes: idx.non_key_attributes.clone().unwrap_or_default(),
        },
        throughput,
    })
}

/// A UUID-shaped `TableId`, derived from the name, id and creation time.
fn pseudo_uuid(name: &str, id: u32, created_at: f64) -> String {
    let hash = |text: String| crate::codec::crc32(&[text.as_bytes()]);
    let a = hash(format!("{name}/{id}/{created_at}"));
    let b = hash(format!("{created_at}|{name}"));
    let c = hash(format!("{id}#{a}"));
    let d = hash(format!("{b}:{c}"));
    format!(
        "{a:08x}-{:04x}-4{:03x}-{:04x}-{:04x}{d:08x}",
        b >> 16,
        b & 0x0fff,
        0x8000 | (c >> 16) & 0x3fff,
        c & 0xffff
    )
}
