//! Dynoxide (a DynamoDB emulator on SQLite) through its embedded API. Each
//! request is decoded from the same DynamoDB JSON text the other stores get,
//! and each response encoded back to text, as any binding of it would.
//!
//! Dynoxide opens its SQLite file in WAL mode with SQLite's default
//! `synchronous=FULL` (a sync per commit). For the relaxed comparison the
//! adapter switches it to `synchronous=NORMAL`, the setting the raw SQLite
//! store uses, through Dynoxide's own bulk-loading switch: turning bulk
//! loading on and off again leaves `synchronous=NORMAL` and every other
//! setting at its default.

use crate::items::ItemStore;
use crate::stores::Res;
use std::path::Path;

pub struct DynoxideItems {
    db: dynoxide::Database,
}

impl DynoxideItems {
    pub fn open(dir: &Path) -> Res<DynoxideItems> {
        let path = dir.join("dynoxide.sqlite");
        let db = dynoxide::Database::new(path.to_str().ok_or("non-UTF-8 temp path")?).map_err(|e| e.to_string())?;
        db.enable_bulk_loading().map_err(|e| e.to_string())?;
        db.disable_bulk_loading().map_err(|e| e.to_string())?;
        Ok(DynoxideItems { db })
    }
}

fn decode<T: serde::de::DeserializeOwned>(request: &str) -> Res<T> {
    serde_json::from_str(request).map_err(|e| e.to_string())
}

fn encode<T: serde::Serialize>(response: T) -> Res<String> {
    serde_json::to_string(&response).map_err(|e| e.to_string())
}

impl ItemStore for DynoxideItems {
    fn execute(&mut self, operation: &str, request: &str) -> Res<String> {
        let failed = |e: dynoxide::DynoxideError| format!("{operation}: {e}");
        match operation {
            "CreateTable" => encode(self.db.create_table(decode(request)?).map_err(failed)?),
            "PutItem" => encode(self.db.put_item(decode(request)?).map_err(failed)?),
            "GetItem" => encode(self.db.get_item(decode(request)?).map_err(failed)?),
            "Query" => encode(self.db.query(decode(request)?).map_err(failed)?),
            other => Err(format!("dynoxide adapter: no operation {other}")),
        }
    }
}

pub fn settings() -> String {
    "WAL synchronous=NORMAL".into()
}
