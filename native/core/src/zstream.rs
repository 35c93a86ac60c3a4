//! Streaming zstd decompression for inputs that are not capture parts (e.g. `.wf.zst` files
//! read by `wflg lint`): bytes in as they arrive, bounded output per call.

use std::io;
use zstd::stream::raw::{Decoder, InBuffer, Operation, OutBuffer};

pub struct StreamDecoder {
    dec: Decoder<'static>,
    out: Vec<u8>,
    /// True once the last frame ended exactly at the end of the input pushed so far.
    pub frame_done: bool,
}

impl StreamDecoder {
    pub fn new() -> io::Result<Self> {
        Ok(StreamDecoder {
            dec: Decoder::new()?,
            out: vec![0u8; 1 << 17],
            frame_done: true,
        })
    }

    /// Decompresses all of `input`, appending to `dst`; refuses to grow `dst` beyond `max_out`
    /// bytes (a zip bomb gets an error, not memory).
    pub fn push(&mut self, input: &[u8], dst: &mut Vec<u8>, max_out: usize) -> io::Result<()> {
        let mut inb = InBuffer::around(input);
        while inb.pos < input.len() || !self.frame_done {
            let mut outb = OutBuffer::around(&mut self.out[..]);
            let hint = self.dec.run(&mut inb, &mut outb)?;
            let n = outb.pos();
            self.frame_done = hint == 0;
            if dst.len() + n > max_out {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "decompressed size over the limit",
                ));
            }
            dst.extend_from_slice(&self.out[..n]);
            if n == 0 && inb.pos >= input.len() {
                break;
            }
        }
        Ok(())
    }
}
