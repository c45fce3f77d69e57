//! The scenario file as written: serde structures that mirror the JSON one to one.
//!
//! They reject unknown keys (a typo must not silently change a result) but check nothing
//! else; durations and distributions stay JSON values here and are checked, with their JSON
//! path, by `scenario::load`.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A JSON object of named entries that rejects a name given twice (serde's maps would
/// silently keep the last one, and a scenario with two `db` components is a mistake).
#[derive(Debug)]
pub struct UniqueMap<T>(pub IndexMap<String, T>);

impl<T> std::ops::Deref for UniqueMap<T> {
    type Target = IndexMap<String, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> Default for UniqueMap<T> {
    fn default() -> Self {
        UniqueMap(IndexMap::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for UniqueMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UniqueVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for UniqueVisitor<T> {
            type Value = UniqueMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of name -> definition")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = IndexMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "\"{key}\" is defined twice; names must be unique"
                        )));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        deserializer.deserialize_map(UniqueVisitor(PhantomData))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub simulation: RawSimulation,
    #[serde(default)]
    pub regions: UniqueMap<RawRegion>,
    #[serde(default)]
    pub zones: UniqueMap<RawZone>,
    pub components: UniqueMap<RawComponent>,
    pub entry: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub horizon: Option<Value>,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub ttf: Value,
    pub ttr: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub outage: Option<RawOutage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawZone {
    pub region: Option<String>,
    pub outage: Option<RawOutage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    pub replicas: Option<u32>,
    pub zones: Option<Vec<String>>,
    pub require: Option<u32>,
    #[serde(default)]
    pub failures: Vec<RawFailure>,
    #[serde(default)]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailure {
    pub name: String,
    pub ttf: Value,
    pub ttr: Value,
}
