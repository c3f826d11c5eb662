//! The persisted description of a table (the catalog record) and its wire rendering.
//!
//! A [`TableDef`] is stored as JSON in the `catalog` keyspace under the table name. The
//! `id` is fresh for every CreateTable, and every item key starts with it, so a table
//! recreated under an old name never sees the old table's items (they are purged in the
//! background after DeleteTable).

use crate::streams::meta::{TableStream, stream_arn};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Scalar types allowed for key attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalarType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

impl ScalarType {
    /// Parses `S`/`N`/`B`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "S" => Some(Self::S),
            "N" => Some(Self::N),
            "B" => Some(Self::B),
            _ => None,
        }
    }

    /// The wire tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S => "S",
            Self::N => "N",
            Self::B => "B",
        }
    }
}

/// A key attribute: its name and scalar type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttr {
    /// Attribute name.
    pub name: String,
    /// Attribute type.
    pub ty: ScalarType,
}

/// Primary key (or index key) schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    /// The partition (HASH) key.
    pub hash: KeyAttr,
    /// The sort (RANGE) key, if any.
    pub range: Option<KeyAttr>,
}

impl KeySchema {
    /// Wire form: `[{"AttributeName":..,"KeyType":"HASH"}, ...]`.
    pub fn to_json(&self) -> Value {
        let mut v = vec![json!({"AttributeName": self.hash.name, "KeyType": "HASH"})];
        if let Some(r) = &self.range {
            v.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
        }
        Value::Array(v)
    }

    /// True when `name` is one of the key attributes.
    pub fn is_key(&self, name: &str) -> bool {
        self.hash.name == name || self.range.as_ref().is_some_and(|r| r.name == name)
    }
}

/// Index projection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Projection {
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection_type: String,
    /// For `INCLUDE`.
    pub non_key_attributes: Option<Vec<String>>,
}

impl Projection {
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("ProjectionType".into(), json!(self.projection_type));
        if let Some(n) = &self.non_key_attributes {
            m.insert("NonKeyAttributes".into(), json!(n));
        }
        Value::Object(m)
    }
}

/// Provisioned throughput settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throughput {
    /// Read capacity units.
    pub read: i64,
    /// Write capacity units.
    pub write: i64,
}

/// A secondary index (global or local).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    /// Unique id of this index; prefixes its entries in the `index` keyspace.
    #[serde(default)]
    pub id: u64,
    /// Index name.
    pub name: String,
    /// Index key schema.
    pub key: KeySchema,
    /// Projection.
    pub projection: Projection,
    /// Provisioned throughput (GSIs on provisioned tables only).
    pub throughput: Option<Throughput>,
    /// Lifecycle state: `Creating` while UpdateTable's backfill runs (entries are
    /// maintained by every write but the index is not readable yet), else `Active`.
    /// Records written before index lifecycles existed load as `Active`.
    #[serde(default)]
    pub status: IndexStatus,
}

/// Lifecycle state of a secondary index (`IndexStatus` on the wire).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexStatus {
    /// Added by UpdateTable; the background backfill has not finished.
    Creating,
    /// Complete and readable.
    #[default]
    Active,
    /// Deleted by UpdateTable; its entries are being purged in the background.
    Deleting,
}

impl IndexStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Active => "ACTIVE",
            Self::Deleting => "DELETING",
        }
    }
}

/// One table as stored in the catalog.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableDef {
    /// Table name.
    pub name: String,
    /// Unique id of this incarnation of the table; prefixes every item key.
    pub id: u64,
    /// `AttributeDefinitions` as given (name, type), in request order.
    pub attribute_definitions: Vec<KeyAttr>,
    /// Primary key.
    pub key: KeySchema,
    /// `PROVISIONED` or `PAY_PER_REQUEST`.
    pub billing_mode: String,
    /// Whether the table is or ever was on-demand (DescribeTable then shows
    /// `BillingModeSummary` with the last switch time).
    pub ever_on_demand: bool,
    /// Provisioned throughput (zeros on on-demand tables).
    pub throughput: Throughput,
    /// Global secondary indexes.
    pub gsis: Vec<IndexDef>,
    /// Local secondary indexes.
    pub lsis: Vec<IndexDef>,
    /// Global secondary indexes dropped by UpdateTable whose entries are still being
    /// purged (shown as `DELETING`; writes no longer maintain them).
    #[serde(default)]
    pub deleting_gsis: Vec<IndexDef>,
    /// Tags, in insertion order.
    pub tags: Vec<(String, String)>,
    /// Creation time, seconds since the epoch (millisecond precision).
    pub created_at: f64,
    /// Last billing-mode change to on-demand.
    pub billing_mode_updated_at: f64,
    /// DeletionProtectionEnabled.
    pub deletion_protection: bool,
    /// `TableClass` (STANDARD or STANDARD_INFREQUENT_ACCESS), when given.
    pub table_class: Option<String>,
    /// Time to Live settings (absent in records written before TTL existed).
    #[serde(default)]
    pub ttl: TtlSettings,
    /// The enabled stream, if any.
    #[serde(default)]
    pub stream: Option<TableStream>,
    /// The most recent stream, enabled or not (`LatestStreamArn` outlives a disable).
    #[serde(default)]
    pub latest_stream: Option<TableStream>,
}

/// A table's Time to Live configuration (UpdateTimeToLive / DescribeTimeToLive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TtlSettings {
    /// The attribute holding each item's expiry time, while TTL is enabled.
    pub attribute: Option<String>,
    /// When TTL was last enabled or disabled (milliseconds since the epoch); AWS refuses
    /// another change within a cooldown after it.
    pub changed_at_ms: Option<i64>,
}

/// Approximate statistics reported in DescribeTable.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableStats {
    /// Number of items.
    pub item_count: i64,
    /// Sum of item sizes.
    pub size_bytes: i64,
}

impl TableDef {
    /// `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`.
    pub fn arn(&self, region: &str, account: &str) -> String {
        format!("arn:aws:dynamodb:{region}:{account}:table/{}", self.name)
    }

    /// The `TableDescription` wire object, with zero index statistics.
    pub fn describe(&self, status: &str, stats: TableStats, region: &str, account: &str) -> Value {
        self.describe_with(status, stats, &|_| TableStats::default(), region, account)
    }

    /// The `TableDescription` wire object; `index_stats` gives each index's approximate
    /// ItemCount / IndexSizeBytes by index id.
    pub fn describe_with(
        &self,
        status: &str,
        stats: TableStats,
        index_stats: &dyn Fn(u64) -> TableStats,
        region: &str,
        account: &str,
    ) -> Value {
        let arn = self.arn(region, account);
        let mut m = Map::new();
        let defs: Vec<Value> = self
            .attribute_definitions
            .iter()
            .map(|a| json!({"AttributeName": a.name, "AttributeType": a.ty.as_str()}))
            .collect();
        m.insert("AttributeDefinitions".into(), Value::Array(defs));
        m.insert("TableName".into(), json!(self.name));
        m.insert("KeySchema".into(), self.key.to_json());
        m.insert("TableStatus".into(), json!(status));
        m.insert("CreationDateTime".into(), json!(self.created_at));
        m.insert(
            "ProvisionedThroughput".into(),
            throughput_json(self.throughput),
        );
        m.insert("TableSizeBytes".into(), json!(stats.size_bytes));
        m.insert("ItemCount".into(), json!(stats.item_count));
        m.insert("TableArn".into(), json!(arn));
        m.insert("TableId".into(), json!(table_uuid(self.id)));
        if self.ever_on_demand {
            let b = json!({
                "BillingMode": self.billing_mode,
                "LastUpdateToPayPerRequestDateTime": self.billing_mode_updated_at,
            });
            m.insert("BillingModeSummary".into(), b);
        }
        if !self.lsis.is_empty() {
            let l: Vec<Value> = self
                .lsis
                .iter()
                .map(|i| {
                    let s = index_stats(i.id);
                    json!({
                        "IndexName": i.name,
                        "KeySchema": i.key.to_json(),
                        "Projection": i.projection.to_json(),
                        "IndexSizeBytes": s.size_bytes,
                        "ItemCount": s.item_count,
                        "IndexArn": format!("{arn}/index/{}", i.name),
                    })
                })
                .collect();
            m.insert("LocalSecondaryIndexes".into(), Value::Array(l));
        }
        if !self.gsis.is_empty() || !self.deleting_gsis.is_empty() {
            let g: Vec<Value> = self
                .gsis
                .iter()
                .chain(&self.deleting_gsis)
                .map(|i| {
                    let mut o = Map::new();
                    o.insert("IndexName".into(), json!(i.name));
                    o.insert("KeySchema".into(), i.key.to_json());
                    o.insert("Projection".into(), i.projection.to_json());
                    o.insert("IndexStatus".into(), json!(i.status.as_str()));
                    if i.status == IndexStatus::Creating {
                        o.insert("Backfilling".into(), json!(true));
                    }
                    if let Some(t) = i.throughput {
                        let pt =
                            json!({"ReadCapacityUnits": t.read, "WriteCapacityUnits": t.write});
                        o.insert("ProvisionedThroughput".into(), pt);
                    }
                    let s = index_stats(i.id);
                    o.insert("IndexSizeBytes".into(), json!(s.size_bytes));
                    o.insert("ItemCount".into(), json!(s.item_count));
                    o.insert("IndexArn".into(), json!(format!("{arn}/index/{}", i.name)));
                    Value::Object(o)
                })
                .collect();
            m.insert("GlobalSecondaryIndexes".into(), Value::Array(g));
        }
        if let Some(c) = &self.table_class {
            m.insert("TableClassSummary".into(), json!({"TableClass": c}));
        }
        if let Some(s) = &self.stream {
            let spec = json!({"StreamEnabled": true, "StreamViewType": s.view_type.as_str()});
            m.insert("StreamSpecification".into(), spec);
        }
        if let Some(s) = &self.latest_stream {
            let arn = stream_arn(region, account, &self.name, &s.label);
            m.insert("LatestStreamLabel".into(), json!(s.label));
            m.insert("LatestStreamArn".into(), json!(arn));
        }
        m.insert(
            "DeletionProtectionEnabled".into(),
            json!(self.deletion_protection),
        );
        Value::Object(m)
    }
}

fn throughput_json(t: Throughput) -> Value {
    json!({
        "LastIncreaseDateTime": 0.0,
        "LastDecreaseDateTime": 0.0,
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": t.read,
        "WriteCapacityUnits": t.write,
    })
}

/// A stable UUID-shaped rendering of the table id for `TableId`.
fn table_uuid(id: u64) -> String {
    let h = format!("{id:016x}");
    format!(
        "{}-{}-4{}-8{}00-000000000000",
        &h[0..8],
        &h[8..12],
        &h[12..15],
        &h[15..16]
    )
}
