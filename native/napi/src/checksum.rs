//! CRC32C (Castagnoli), the checksum GCS reports for every object. Verifying a capture part
//! against the store's checksum reads the whole part; hardware CRC (SSE4.2 / ARMv8) makes that
//! cost negligible next to the upload itself, where a table-driven JS CRC would not.
use napi_derive::napi;

/// CRC32C of `buf`, continuing from `initial` (the CRC of the preceding bytes; 0 to start), so a
/// file can be checksummed chunk by chunk without holding it in memory.
// js_name: napi-rs would camel-case `crc32c` into `crc32C`.
#[napi(js_name = "crc32c")]
pub fn crc32c(buf: &[u8], initial: Option<u32>) -> u32 {
    crc32c::crc32c_append(initial.unwrap_or(0), buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_vector_and_chunking_agree() {
        // RFC 3720 B.4: 32 bytes of zeros.
        assert_eq!(::crc32c::crc32c(&[0u8; 32]), 0x8a91_36aa);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let whole = super::crc32c(&data, None);
        let split = super::crc32c(&data[400..], Some(super::crc32c(&data[..400], None)));
        assert_eq!(whole, split);
    }
}
