//! Exact serialization of floating-point sums for partial results (`sim run --shard`): an
//! f64 is written as the hexadecimal of its bits, so that a merge reads back exactly what
//! the shard computed (decimal text can lose the last bit, and JSON has no infinity).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

fn encode(value: f64) -> String {
    format!("{:016x}", value.to_bits())
}

fn decode<E: serde::de::Error>(text: &str) -> Result<f64, E> {
    u64::from_str_radix(text, 16)
        .map(f64::from_bits)
        .map_err(|_| E::custom(format!("not a 16-digit hexadecimal float: {text:?}")))
}

pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    encode(*value).serialize(serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    decode(&String::deserialize(deserializer)?)
}

/// The same for a list of floats.
pub mod vec {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        values
            .iter()
            .map(|v| encode(*v))
            .collect::<Vec<_>>()
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|t| decode(t))
            .collect()
    }
}

/// The same for a fixed array of three floats.
pub mod array3 {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f64; 3], serializer: S) -> Result<S::Ok, S::Error> {
        super::vec::serialize(values, serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[f64; 3], D::Error> {
        let values = super::vec::deserialize(deserializer)?;
        values
            .try_into()
            .map_err(|_| serde::de::Error::custom("expected three floats"))
    }
}

/// An optional (trial, float) pair.
pub mod trial {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &Option<(u64, f64)>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.map(|(t, v)| (t, encode(v))).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<(u64, f64)>, D::Error> {
        Option::<(u64, String)>::deserialize(deserializer)?
            .map(|(t, v)| decode(&v).map(|v| (t, v)))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats_round_trip_exactly() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct T {
            #[serde(with = "super")]
            x: f64,
        }
        for x in [0.1 + 0.2, f64::INFINITY, -0.0, 5e-324, 1.0 / 3.0] {
            let text = serde_json::to_string(&T { x }).unwrap();
            let back: T = serde_json::from_str(&text).unwrap();
            assert_eq!(back.x.to_bits(), x.to_bits());
        }
    }
}
