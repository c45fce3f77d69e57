//! Bounded reads of input files. Every file `sim` reads (scenarios, baseline reports, the
//! parts of a sharded run, game-day observations, incident histories) is read through
//! here with a size limit, so that `sim validate /dev/zero` or a runaway file fails at
//! once with a message naming the limit instead of reading until memory runs out; and
//! text that is not UTF-8 (a UTF-16 export, Latin-1 bytes) is refused with where it goes
//! wrong and what is expected. docs/scenario-format.md ("Limits") lists the limits.

use std::io::Read;
use std::path::Path;

const MIB: u64 = 1 << 20;

/// The largest scenario file: a thousand times the largest shipped scenario, and well
/// beyond what a person writes; a generated scenario that needs more is a model larger
/// than the engine's stated limits anyway.
pub const MAX_SCENARIO_BYTES: u64 = 16 * MIB;
/// The largest baseline report (`sim run --output`): a report of the largest shipped
/// scenario is about 40 KB.
pub const MAX_REPORT_BYTES: u64 = 16 * MIB;
/// The largest part file (`--shard K/N`): a part holds its scenarios' text (up to
/// `MAX_SCENARIO_BYTES` each) and a few dozen accumulators whose size grows with the
/// number of components and scenarios (a block per aligned run of chunks, at most about
/// 60); parts of the shipped scenarios are 100 to 300 KB.
pub const MAX_PART_BYTES: u64 = 256 * MIB;
/// The largest game-day observation file (`sim chaos --observed`).
pub const MAX_OBSERVED_BYTES: u64 = 16 * MIB;
/// The largest incident history (`sim fit`): a million incidents of 64-byte rows.
pub const MAX_HISTORY_BYTES: u64 = 64 * MIB;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("larger than {} MiB, the most sim reads from {what} (docs/scenario-format.md, Limits)", .limit / MIB)]
    TooLarge { what: &'static str, limit: u64 },
    /// Not UTF-8 text: the 1-based line and column (in characters) of the first bad byte,
    /// its offset, and what the bytes look like.
    #[error("line {line}, column {column} (byte {offset}): {message}")]
    Encoding {
        line: usize,
        column: usize,
        offset: usize,
        message: String,
    },
}

/// Reads at most `limit` bytes of `path`; more is an error, found after reading one byte
/// past the limit (a device such as /dev/zero never ends).
pub fn read_bytes(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { what, limit });
    }
    Ok(bytes)
}

/// Reads `path` as UTF-8 text of at most `limit` bytes (a UTF-8 byte-order mark is
/// dropped).
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    text(read_bytes(path, limit, what)?)
}

/// Bytes as UTF-8 text, or where and why they are not (`check_utf8`); a UTF-8 byte-order
/// mark is dropped.
pub fn text(bytes: Vec<u8>) -> Result<String, ReadError> {
    check_utf8(&bytes)?;
    let text = String::from_utf8(bytes).expect("checked");
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Whether bytes are UTF-8 text, or where and why not. A zero byte is refused too: it is
/// valid UTF-8 but never in a text file, and it is how UTF-16 without a byte-order mark
/// shows.
pub fn check_utf8(bytes: &[u8]) -> Result<(), ReadError> {
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(encoding_error(bytes, offset));
    }
    std::str::from_utf8(bytes)
        .map(|_| ())
        .map_err(|error| encoding_error(bytes, error.valid_up_to()))
}

/// Names the encoding the bytes look like, with the position of the first bad byte.
fn encoding_error(bytes: &[u8], offset: usize) -> ReadError {
    let utf16_mark = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    // A UTF-16 file is wrong from its first byte, the byte-order mark.
    let offset = if utf16_mark { 0 } else { offset };
    let valid = String::from_utf8_lossy(&bytes[..offset]);
    let line = valid.matches('\n').count() + 1;
    let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    const FIX: &str = "sim reads UTF-8 text: convert the file, e.g. iconv -f UTF-16 -t UTF-8";
    let message = if utf16_mark {
        format!("the file is UTF-16 (it starts with a UTF-16 byte-order mark); {FIX}")
    } else if looks_like_utf16(bytes) {
        format!("the file looks like UTF-16 without a byte-order mark (every other byte is zero); {FIX}")
    } else if bytes[offset] == 0 {
        "a zero byte: this is not a text file; sim reads UTF-8 text".to_string()
    } else {
        format!(
            "byte 0x{:02x} is not UTF-8 (Latin-1 or another legacy encoding?); sim reads UTF-8 text: convert the file, e.g. iconv -f LATIN1 -t UTF-8",
            bytes[offset]
        )
    };
    ReadError::Encoding {
        line,
        column,
        offset,
        message,
    }
}

/// ASCII text in UTF-16 has a zero byte in every other position.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64)];
    sample.len() >= 4
        && (sample.iter().step_by(2).all(|b| *b == 0)
            || sample.iter().skip(1).step_by(2).all(|b| *b == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn encodings_are_named_with_a_position() {
        let mut with_bom = vec![0xff, 0xfe];
        with_bom.extend(utf16("{\"a\": 1}", false));
        let message = text(with_bom).unwrap_err().to_string();
        assert!(
            message.contains("line 1, column 1 (byte 0)") && message.contains("UTF-16"),
            "{message}"
        );
        let message = text(utf16("{\"a\": 1}", true)).unwrap_err().to_string();
        assert!(
            message.contains("UTF-16 without a byte-order mark"),
            "{message}"
        );
        let message = text(b"{\n  \"name\": \"Z\xfcrich\"}".to_vec())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("line 2, column 13 (byte 14)") && message.contains("0xfc"),
            "{message}"
        );
        assert_eq!(text(b"\xef\xbb\xbf{}".to_vec()).unwrap(), "{}");
    }
}
