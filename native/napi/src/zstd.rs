//! Streaming zstd decompression for `.zst` inputs that are not capture parts.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use wflg_core::zstream::StreamDecoder;

fn io_err(e: std::io::Error) -> Error {
    Error::new(
        Status::GenericFailure,
        format!("WFLG_E_INPUT_READ: zstd: {e}"),
    )
}

#[napi]
pub struct ZstdStreamDecoder {
    inner: StreamDecoder,
}

#[napi]
impl ZstdStreamDecoder {
    #[napi(constructor)]
    pub fn new() -> Result<Self> {
        Ok(ZstdStreamDecoder {
            inner: StreamDecoder::new().map_err(io_err)?,
        })
    }

    /// Decompresses one chunk; at most `maxOut` bytes come back for it.
    #[napi]
    pub fn push(&mut self, chunk: &[u8], max_out: u32) -> Result<Buffer> {
        let mut dst = Vec::with_capacity(chunk.len() * 4);
        self.inner
            .push(chunk, &mut dst, max_out as usize)
            .map_err(io_err)?;
        Ok(dst.into())
    }

    /// True when the input so far ended on a frame boundary (false means truncated input).
    #[napi(getter)]
    pub fn complete(&self) -> bool {
        self.inner.frame_done
    }
}
