//! Random values for a new stack: API keys, passwords, ids. From the operating system's secure
//! random source; nothing here is ever printed.

use super::error::StackError;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_bytes(buffer: &mut [u8]) -> Result<(), StackError> {
    getrandom::fill(buffer).map_err(|e| StackError::Random(e.to_string()))
}

/// `length` letters and digits (about 5.95 bits each), unbiased by rejection sampling.
pub fn token(length: usize) -> Result<String, StackError> {
    let mut out = String::with_capacity(length);
    let mut buffer = [0u8; 64];
    while out.len() < length {
        random_bytes(&mut buffer)?;
        for &byte in &buffer {
            // 248 = 4 × 62: bytes above it would favour the first letters.
            if byte < 248 && out.len() < length {
                out.push(char::from(ALPHABET[usize::from(byte % 62)]));
            }
        }
    }
    Ok(out)
}

/// A random (version 4) UUID, as FusionAuth uses for ids.
pub fn uuid() -> Result<String, StackError> {
    let mut bytes = [0u8; 16];
    random_bytes(&mut bytes)?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_uuids_look_right() {
        let token = token(40).expect("random");
        assert_eq!(token.len(), 40);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
        let id = uuid().expect("random");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(id, uuid().expect("random"));
    }
}
