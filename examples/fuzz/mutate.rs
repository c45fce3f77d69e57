//! Mutations of one input: byte-level ones in the manner of AFL (flips, interesting bytes,
//! insertions, deletions, duplications, truncation, splices of two inputs, other encodings)
//! and structure-aware ones on the parsed JSON (extreme values, swapped types, deleted and
//! duplicated keys, deep nesting, uncertain `between` ranges, lists repeated thousands of
//! times, names and subtrees taken from elsewhere in the corpus).
//!
//! Every choice comes from the caller's seeded ChaCha stream, so an input is reproduced from
//! (seed, target, index) alone.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

/// Inputs are cut back to this size after each mutation: it keeps one input cheap (the
/// 32 MB values of the issue are replayed by tests/fuzz_regressions.rs instead).
pub const MAX_LEN: usize = 4 << 20;

/// What the corpus offers a mutation: its keys, its strings and some of its subtrees.
#[derive(Default)]
pub struct Dictionary {
    pub keys: Vec<String>,
    pub strings: Vec<String>,
    pub subtrees: Vec<Value>,
}

impl Dictionary {
    /// Collects keys, strings and small subtrees from `documents`.
    pub fn from_documents(documents: &[Value]) -> Dictionary {
        let mut dictionary = Dictionary::default();
        for document in documents {
            dictionary.collect(document);
        }
        dictionary.keys.sort();
        dictionary.keys.dedup();
        dictionary.strings.sort();
        dictionary.strings.dedup();
        dictionary.strings.retain(|s| s.len() <= 200);
        dictionary
    }

    fn collect(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    self.keys.push(key.clone());
                    self.collect(child);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            Value::String(s) => self.strings.push(s.clone()),
            _ => {}
        }
        if !matches!(value, Value::Object(_) | Value::Array(_)) || value.to_string().len() < 400 {
            self.subtrees.push(value.clone());
        }
    }
}

/// Extreme and malformed numbers.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "0.5",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "1.7976931348623157e308",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1e15",
    "1e20",
    "0.999999999999",
    "1.0000000001",
    "100000000",
];

/// Extreme, malformed and hostile strings (durations, names, control characters).
const STRINGS: &[&str] = &[
    "",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0",
    "-1",
    "0s",
    "1us",
    "1µs",
    "0.001ms",
    "0.0000001s",
    "1ms",
    "1s",
    "-1h",
    "1e308y",
    "1e-300s",
    "999999999999y",
    "18446744073709551615ms",
    "292471y",
    "292472y",
    "1.5.5h",
    "1 h",
    "h",
    "10000000000000000000000000d",
    "\u{1b}[31mred\u{1b}[0m\u{7}",
    "\u{1b}]0;title\u{7}",
    "a\nb",
    "\r\n",
    "\u{0}",
    "\u{202e}evil",
    "💥",
    "a.b[0]",
    "components.api",
    "<script>alert(1)</script>",
    "\"quoted\"",
    "../../etc/passwd",
];

/// Tokens a byte-level insertion may add.
const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "NaN", "Infinity", "-", "1e999",
    "\\u0000", "\\ud800", "\\u001b", "\"\":", "{}", "[]", "//", "/*", "\u{feff}", "\u{1b}",
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A hostile value: extreme numbers, strings, huge strings and the like.
pub fn extreme(rng: &mut ChaCha8Rng, dictionary: &Dictionary) -> Value {
    match rng.random_range(0..12) {
        0..=3 => {
            let number: &&str = pick(rng, NUMBERS);
            serde_json::from_str(number).expect("a JSON number")
        }
        4..=6 => Value::from(*pick(rng, STRINGS)),
        7 => Value::from(rng.random::<u64>()),
        8 => {
            // A long string, occasionally a megabyte of it.
            let unit = *pick(rng, &["a", "\u{1b}", "\n", "é", "9"]);
            let n = if rng.random_bool(0.02) {
                1 << 20
            } else {
                rng.random_range(100..20_000)
            };
            Value::from(unit.repeat(n))
        }
        9 if !dictionary.strings.is_empty() => {
            // A known string with a hostile twist.
            let s = pick(rng, &dictionary.strings).clone();
            let twist = *pick(
                rng,
                &["\u{1b}[2J", "\n", "\u{7}", "0", "ms", "y", " ", "\t"],
            );
            Value::from(if rng.random_bool(0.5) {
                s + twist
            } else {
                twist.to_string() + &s
            })
        }
        10 => match rng.random_range(0..4) {
            0 => Value::Object(Map::new()),
            1 => Value::Array(Vec::new()),
            2 => Value::Null,
            _ => Value::Bool(rng.random()),
        },
        _ => Value::from(
            rng.random_range(-1000..1000) as f64 * 10f64.powi(rng.random_range(-12..12)),
        ),
    }
}

/// A node of `value` chosen uniformly (reservoir sampling), as a JSON pointer. The walk
/// keeps the path as a stack of segments and writes a pointer only when it keeps a node:
/// listing every node's pointer costs nodes x depth, gigabytes for a deeply nested list
/// repeated a few hundred times.
fn random_pointer(rng: &mut ChaCha8Rng, value: &Value) -> String {
    fn walk(
        rng: &mut ChaCha8Rng,
        value: &Value,
        path: &mut Vec<String>,
        seen: &mut u64,
        chosen: &mut Vec<String>,
    ) {
        *seen += 1;
        if rng.random_range(0..*seen) == 0 {
            chosen.clone_from(path);
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    path.push(key.replace('~', "~0").replace('/', "~1"));
                    walk(rng, child, path, seen, chosen);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(rng, child, path, seen, chosen);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let (mut path, mut seen, mut chosen) = (Vec::new(), 0, Vec::new());
    walk(rng, value, &mut path, &mut seen, &mut chosen);
    chosen.iter().map(|segment| format!("/{segment}")).collect()
}

/// A placeholder key renamed to its twin after serialization: the only way to write a
/// duplicate key, which a `Value` cannot hold.
const DUPLICATE: &str = "fuzz-duplicate-key-\u{2063}";

/// One structure-aware mutation of `document`.
pub fn json(
    rng: &mut ChaCha8Rng,
    document: &mut Value,
    dictionary: &Dictionary,
    duplicates: &mut Vec<String>,
) {
    let pointer = random_pointer(rng, document);
    let copy = document.pointer(&pointer).cloned().unwrap_or(Value::Null);
    let node = document
        .pointer_mut(&pointer)
        .expect("a pointer just listed");
    match rng.random_range(0..16) {
        0..=2 => *node = extreme(rng, dictionary),
        3 => {
            // Swap the type, keeping the text where there is one.
            *node = match node.take() {
                Value::Number(n) => Value::from(n.to_string()),
                Value::String(s) => serde_json::from_str(s.trim_end_matches(char::is_alphabetic))
                    .unwrap_or(Value::Array(vec![Value::from(s)])),
                Value::Object(map) => Value::Array(map.into_iter().map(|(_, v)| v).collect()),
                Value::Array(items) => Value::Object(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (i.to_string(), v))
                        .collect(),
                ),
                Value::Bool(b) => Value::from(u8::from(b)),
                Value::Null => Value::from("null"),
            }
        }
        4 => {
            // Deep nesting, often past serde_json's recursion limit of 128.
            let depth = *pick(rng, &[2, 10, 64, 127, 128, 129, 300, 2000]);
            let mut value = node.take();
            let in_lists = rng.random_bool(0.5);
            for _ in 0..depth {
                value = if in_lists {
                    Value::Array(vec![value])
                } else {
                    let mut map = Map::new();
                    map.insert(pick(rng, &dictionary.keys).clone(), value);
                    Value::Object(map)
                };
            }
            *node = value;
        }
        5 => {
            // An uncertain range, ordered or not, of extremes or known values.
            let end = |rng: &mut ChaCha8Rng| {
                if rng.random_bool(0.5) && !matches!(copy, Value::Object(_) | Value::Array(_)) {
                    copy.clone()
                } else {
                    extreme(rng, dictionary)
                }
            };
            let (low, high) = (end(rng), end(rng));
            let range = match rng.random_range(0..4) {
                0 => vec![low],
                1 => vec![low, high, Value::from(1)],
                _ => vec![low, high],
            };
            *node = serde_json::json!({ "between": range });
        }
        6 => *node = pick(rng, &dictionary.subtrees).clone(),
        7 => {
            // Numbers scaled by powers of ten, negated or nudged; durations likewise.
            *node = match node.take() {
                Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(0.0);
                    let y = match rng.random_range(0..4) {
                        0 => -x,
                        1 => x * 10f64.powi(rng.random_range(-20..20)),
                        2 => x + 1.0,
                        _ => x - 1.0,
                    };
                    serde_json::Number::from_f64(y).map_or(Value::Null, Value::Number)
                }
                Value::String(s) => {
                    let digits: String = s
                        .chars()
                        .filter(|c| c.is_ascii_digit() || *c == '.')
                        .collect();
                    let unit: String = s.chars().filter(|c| c.is_alphabetic()).collect();
                    let unit = if rng.random_bool(0.3) {
                        pick(
                            rng,
                            &["us", "µs", "ms", "s", "m", "h", "d", "w", "y", "x", ""],
                        )
                        .to_string()
                    } else {
                        unit
                    };
                    let number = match rng.random_range(0..4) {
                        0 => digits,
                        1 => format!("{digits}0000000"),
                        2 => format!("0.0000{digits}"),
                        _ => rng.random_range(0u64..u64::MAX).to_string(),
                    };
                    Value::from(number + &unit)
                }
                other => other,
            }
        }
        8 if !dictionary.strings.is_empty() => {
            *node = Value::from(pick(rng, &dictionary.strings).clone())
        }
        9..=11 => match node {
            Value::Object(map) if !map.is_empty() => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let key = pick(rng, &keys).clone();
                match rng.random_range(0..5) {
                    0 | 1 => {
                        map.shift_remove(&key);
                    }
                    2 => {
                        // A duplicate key: the placeholder becomes `key` after writing.
                        let value = if rng.random_bool(0.5) {
                            map[&key].clone()
                        } else {
                            extreme(rng, dictionary)
                        };
                        let placeholder = format!("{DUPLICATE}{}", duplicates.len());
                        map.insert(placeholder, value);
                        duplicates.push(key);
                    }
                    3 => {
                        let value = map.shift_remove(&key).expect("listed");
                        let renamed = match rng.random_range(0..4) {
                            0 => format!("{key}\n"),
                            1 => format!("\u{1b}[1m{key}\u{7}"),
                            2 => key.to_uppercase(),
                            _ => pick(rng, &dictionary.keys).clone(),
                        };
                        map.insert(renamed, value);
                    }
                    _ => map.clear(),
                }
            }
            Value::Object(map) => {
                map.insert(
                    pick(rng, &dictionary.keys).clone(),
                    pick(rng, &dictionary.subtrees).clone(),
                );
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.random_range(0..items.len());
                match rng.random_range(0..4) {
                    0 => {
                        items.remove(i);
                    }
                    1 | 2 => {
                        // Repeat an entry: twice, or thousands of times.
                        let n = *pick(rng, &[1, 1, 2, 2, 10, 10, 100, 1000, 5000]);
                        let entry = items[i].clone();
                        let size = entry.to_string().len().max(1);
                        let n = n.min(MAX_LEN / size);
                        items.splice(i..i, std::iter::repeat_n(entry, n));
                    }
                    _ => items.reverse(),
                }
            }
            other => *other = extreme(rng, dictionary),
        },
        12 => {
            // Add a known key with a value from elsewhere: unknown or misplaced fields.
            if let Value::Object(map) = node {
                map.insert(
                    pick(rng, &dictionary.keys).clone(),
                    pick(rng, &dictionary.subtrees).clone(),
                );
            } else {
                *node = Value::Null;
            }
        }
        13 => *node = copy.clone(),
        _ => *node = Value::Null,
    }
    if pointer.is_empty() && rng.random_bool(0.5) {
        // The whole document replaced: wrap it back into an object half the time.
        let mut map = Map::new();
        map.insert(pick(rng, &dictionary.keys).clone(), document.take());
        *document = Value::Object(map);
    }
}

/// Writes `document`, turning the placeholders of `json` into duplicate keys.
pub fn write(document: &Value, duplicates: &[String], pretty: bool) -> Vec<u8> {
    // Pretty printing indents each line by its depth: a deep nest printed that way takes
    // depth squared bytes (gigabytes at a few thousand levels repeated).
    let pretty = pretty && depth(document, 0) <= 100;
    let mut text = if pretty {
        serde_json::to_string_pretty(document)
    } else {
        serde_json::to_string(document)
    }
    .expect("a Value serializes");
    for (i, key) in duplicates.iter().enumerate() {
        let placeholder = serde_json::to_string(&format!("{DUPLICATE}{i}")).expect("a string");
        let key = serde_json::to_string(key).expect("a string");
        text = text.replace(&placeholder, &key);
    }
    text.into_bytes()
}

/// The nesting depth of `value` below `level`, counted up to 101.
fn depth(value: &Value, level: usize) -> usize {
    if level > 100 {
        return level;
    }
    match value {
        Value::Object(map) => map
            .values()
            .map(|v| depth(v, level + 1))
            .max()
            .unwrap_or(level),
        Value::Array(items) => items
            .iter()
            .map(|v| depth(v, level + 1))
            .max()
            .unwrap_or(level),
        _ => level,
    }
}

/// One byte-level mutation of `data`; `other` is a second input for splices.
pub fn bytes(rng: &mut ChaCha8Rng, data: &mut Vec<u8>, other: &[u8]) {
    let len = data.len();
    let at = |rng: &mut ChaCha8Rng| rng.random_range(0..=len);
    match rng.random_range(0..12) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] = *pick(
                rng,
                &[
                    0u8, 0xff, 0x7f, 0x80, b'"', b'{', b'}', b'[', b']', b',', b':', b'\\', b'\n',
                    0x1b, 0x07, b'0', b'-', b'.',
                ],
            );
        }
        2 => {
            let n = rng.random_range(1..16);
            let random: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            let i = at(rng);
            data.splice(i..i, random);
        }
        3 | 4 => {
            let i = at(rng);
            data.splice(i..i, pick(rng, TOKENS).bytes());
        }
        5 if len > 0 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..=(len - i).min(256));
            data.drain(i..i + n);
        }
        6 if len > 0 => {
            let i = rng.random_range(0..len);
            let n = rng.random_range(1..=(len - i).min(512));
            let copy: Vec<u8> = data[i..i + n].to_vec();
            let times = *pick(rng, &[1, 2, 100]);
            let j = at(rng);
            data.splice(j..j, copy.repeat(times));
        }
        7 => data.truncate(at(rng)),
        8 if !other.is_empty() => {
            // A splice: the head of one input and the tail of another.
            let i = at(rng);
            let j = rng.random_range(0..other.len());
            data.truncate(i);
            data.extend_from_slice(&other[j..]);
        }
        9 => {
            // Another encoding: UTF-16 (either order, with or without a BOM), a UTF-8 BOM.
            let text = String::from_utf8_lossy(data).into_owned();
            *data = match rng.random_range(0..4) {
                0 => [0xff, 0xfe]
                    .into_iter()
                    .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                    .collect(),
                1 => [0xfe, 0xff]
                    .into_iter()
                    .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                    .collect(),
                2 => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                _ => [0xef, 0xbb, 0xbf].into_iter().chain(text.bytes()).collect(),
            };
        }
        10 if len > 0 => {
            // Swap two bytes far apart (brackets and quotes trade places).
            let (i, j) = (rng.random_range(0..len), rng.random_range(0..len));
            data.swap(i, j);
        }
        _ => {
            let i = at(rng);
            data.splice(i..i, rng.random_range(0u64..1 << 40).to_string().bytes());
        }
    }
    data.truncate(MAX_LEN);
}

/// An input mutated from `seed` (JSON text): structure-aware mutations when it parses,
/// byte-level ones otherwise or on top, 1 to 8 of them stacked.
pub fn mutate(rng: &mut ChaCha8Rng, seed: &[u8], other: &[u8], dictionary: &Dictionary) -> Vec<u8> {
    let mut data = seed.to_vec();
    let structured = rng.random_bool(0.7);
    if structured {
        if let Ok(mut document) = serde_json::from_slice::<Value>(&data) {
            let mut duplicates = Vec::new();
            let rounds = 1
                + (rng.random::<u32>() % 8).trailing_zeros().min(4) as usize
                + rng.random_range(0..2);
            for _ in 0..rounds {
                json(rng, &mut document, dictionary, &mut duplicates);
            }
            data = write(&document, &duplicates, rng.random_bool(0.5));
            if data.len() > MAX_LEN {
                data = seed.to_vec();
            }
        }
    }
    if !structured || rng.random_bool(0.2) {
        let rounds = 1 + rng.random_range(0..4);
        for _ in 0..rounds {
            bytes(rng, &mut data, other);
        }
    }
    data
}
