//! Family ids (DESIGN §2.2) and series hashes.
//!
//! `family_key = kind ␟ name ␟ key1 ␟ key2 …` over the point-tag keys as the proxy forwards them
//! (after the `_host`/`_tag` renames; `source` and span structural tags excluded), sorted by
//! bytes and deduplicated; `family_id` = the first 8 bytes of SHA-256(family_key). SHA-256 runs
//! once per distinct key: a bounded cache keyed by a seeded fast hash answers the rest, which is
//! what keeps the batch parser above 1 GB/s.

use crate::lex::Tok;
use crate::model::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const SEP: u8 = 0x1F;
const CACHE_MAX: usize = 1 << 16;

/// Span tags that describe trace structure rather than the span's identity.
const SPAN_STRUCTURAL: [&[u8]; 2] = [b"parent", b"followsFrom"];

pub fn family_id_of_key(key: &[u8]) -> u64 {
    let d = Sha256::digest(key);
    u64::from_be_bytes(d[..8].try_into().expect("sha256 is 32 bytes"))
}

pub fn family_hex(id: u64) -> String {
    format!("{id:016x}")
}

/// Fast seeded 64-bit hash: two independent multiply-rotate lanes over 16-byte steps, so the
/// multiply latency of one lane hides behind the other (the single-lane version was the hottest
/// loop of the batch parser). Not cryptographic: it only indexes the cache, whose entries are
/// compared byte for byte, and seeds series hashes.
#[inline]
pub fn fast_hash(seed: u64, b: &[u8]) -> u64 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let mut a = seed ^ (b.len() as u64).wrapping_mul(K1);
    let mut c = seed.rotate_left(32) ^ K2;
    let mut chunks = b.chunks_exact(16);
    for ch in &mut chunks {
        let w1 = u64::from_le_bytes(ch[..8].try_into().expect("8 bytes"));
        let w2 = u64::from_le_bytes(ch[8..].try_into().expect("8 bytes"));
        a = (a ^ w1).wrapping_mul(K1).rotate_left(29);
        c = (c ^ w2).wrapping_mul(K2).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 16];
        w[..rest.len()].copy_from_slice(rest);
        let w1 = u64::from_le_bytes(w[..8].try_into().expect("8 bytes"));
        let w2 = u64::from_le_bytes(w[8..].try_into().expect("8 bytes"));
        a = (a ^ w1).wrapping_mul(K1).rotate_left(29);
        c = (c ^ w2).wrapping_mul(K2).rotate_left(31);
    }
    let mut h = a ^ c.rotate_left(17);
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

#[derive(Default)]
struct IdHasher(u64);
impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}
type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

pub struct Families {
    seed: u64,
    cache: HashMap<u64, (Box<[u8]>, u64), IdBuild>,
    key: Vec<u8>,
    keys: Vec<u8>,
    idx: Vec<(u32, u32, Tok)>,
}

impl Default for Families {
    fn default() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x5EED);
        Families {
            seed: h.finish(),
            cache: HashMap::default(),
            key: Vec::with_capacity(256),
            keys: Vec::with_capacity(256),
            idx: Vec::with_capacity(32),
        }
    }
}

impl Families {
    /// Builds the family key of `rec` into an internal buffer and returns it.
    pub fn key_of(&mut self, buf: &[u8], rec: &Rec) -> &[u8] {
        self.keys.clear();
        self.idx.clear();
        for t in rec.live_tags() {
            if t.flags & TAG_SYNTHETIC != 0 {
                continue;
            }
            if rec.kind == Kind::Span && SPAN_STRUCTURAL.iter().any(|s| t.k.eq(buf, s)) {
                continue;
            }
            let s = self.keys.len() as u32;
            if t.flags & TAG_UNDERSCORE != 0 {
                self.keys.push(b'_');
            }
            self.keys.extend_from_slice(&t.k.text(buf));
            self.idx.push((s, self.keys.len() as u32, t.v));
        }
        let keys = &self.keys;
        self.idx.sort_unstable_by(|a, b| {
            keys[a.0 as usize..a.1 as usize].cmp(&keys[b.0 as usize..b.1 as usize])
        });
        self.key.clear();
        self.key.extend_from_slice(rec.kind.as_str().as_bytes());
        self.key.push(SEP);
        self.key.extend_from_slice(&rec.name.text(buf));
        let mut prev: Option<&[u8]> = None;
        for &(s, e, _) in &self.idx {
            let k = &keys[s as usize..e as usize];
            if prev == Some(k) {
                continue;
            }
            self.key.push(SEP);
            self.key.extend_from_slice(k);
            prev = Some(k);
        }
        &self.key
    }

    /// Family id of `rec` (which must have a family kind) and its series hash.
    pub fn ids(&mut self, buf: &[u8], rec: &Rec) -> (u64, u64) {
        self.key_of(buf, rec);
        let h = fast_hash(self.seed, &self.key);
        let fam = match self.cache.get(&h) {
            Some((k, id)) if **k == *self.key => *id,
            _ => {
                let id = family_id_of_key(&self.key);
                if self.cache.len() >= CACHE_MAX {
                    // Bounded: a hostile stream of distinct families costs SHA-256 per line,
                    // never unbounded memory.
                    self.cache.clear();
                }
                self.cache
                    .insert(h, (self.key.clone().into_boxed_slice(), id));
                id
            }
        };
        // Series: family id, source, then the values in key order. Stable across processes (no
        // random seed) so shards and runs agree.
        let mut s = fam;
        if let Some(src) = rec.source {
            s = fast_hash(s, &src.text(buf));
        }
        for &(_, _, v) in &self.idx {
            s = fast_hash(s, &v.text(buf));
        }
        (fam, s)
    }
}
