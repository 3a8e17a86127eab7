//! A one-file tar archive, which is what Docker's archive upload API takes. Written by hand
//! (a 512-byte ustar header, the data, padding, two zero blocks) because one file with a chosen
//! owner and mode is all we ever upload, and the owner and mode must be set in the archive: the
//! FusionAuth container reads its kickstart as uid 1001.

const BLOCK: usize = 512;

/// `name` (no directories) holding `contents`, owned by `uid`:`uid` with permission `mode`.
pub fn single_file(name: &str, contents: &[u8], uid: u32, mode: u32) -> Vec<u8> {
    assert!(
        name.len() < 100 && !name.contains('/'),
        "archive entry names are plain file names"
    );
    let mut header = [0u8; BLOCK];
    header[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut header[100..108], u64::from(mode));
    octal(&mut header[108..116], u64::from(uid));
    octal(&mut header[116..124], u64::from(uid));
    octal(&mut header[124..136], contents.len() as u64);
    octal(&mut header[136..148], 0);
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    // The checksum is computed with its own field read as spaces.
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&byte| u32::from(byte)).sum();
    let text = format!("{sum:06o}\0 ");
    header[148..156].copy_from_slice(text.as_bytes());

    let padded = contents.len().div_ceil(BLOCK) * BLOCK;
    let mut archive = Vec::with_capacity(BLOCK + padded + 2 * BLOCK);
    archive.extend_from_slice(&header);
    archive.extend_from_slice(contents);
    archive.resize(BLOCK + padded + 2 * BLOCK, 0);
    archive
}

/// Zero-padded octal, NUL-terminated, filling the field.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    field[..width].copy_from_slice(&text.as_bytes()[text.len() - width..]);
    field[width] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_and_padding_are_right() {
        let archive = single_file("kickstart.json", b"{}\n", 1001, 0o644);
        assert_eq!(archive.len(), 512 * 4);
        assert_eq!(&archive[..14], b"kickstart.json");
        assert_eq!(&archive[100..108], b"0000644\0");
        assert_eq!(&archive[108..116], b"0001751\0");
        assert_eq!(&archive[124..136], b"00000000003\0");
        assert_eq!(&archive[512..515], b"{}\n");
        let mut header = archive[..512].to_vec();
        let stored = std::str::from_utf8(&header[148..154]).expect("ascii");
        let stored = u32::from_str_radix(stored, 8).expect("octal");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        assert_eq!(stored, sum);
    }
}
