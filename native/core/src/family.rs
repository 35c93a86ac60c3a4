//! Family ids (DESIGN §2.2) and series hashes.
//!
//! `family_key = kind ␟ name ␟ key1 ␟ key2 …` over the point-tag keys as the proxy forwards them
//! (after the `_host`/`_tag` renames; `source` and span structural tags excluded), sorted by
//! bytes and deduplicated; `family_id` = the first 8 bytes of SHA-256(family_key). The key is
//! built and SHA-256 run once per distinct line shape (kind, name, keys in the line's order): a
//! bounded cache keyed by a seeded fast hash of the shape answers the rest.

use crate::hash::{same_bytes, Stream};
use crate::lex::Tok;
use crate::model::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const SEP: u8 = 0x1F;
const CACHE_MAX: usize = 1 << 16;
/// Bytes each cache level may hold (a line can be long: entry counts alone do not bound them).
const CACHE_BYTES: usize = 16 << 20;

/// Span tags that describe trace structure rather than the span's identity.
const SPAN_STRUCTURAL: [&[u8]; 2] = [b"parent", b"followsFrom"];

pub fn family_id_of_key(key: &[u8]) -> u64 {
    let d = Sha256::digest(key);
    u64::from_be_bytes(d[..8].try_into().expect("sha256 is 32 bytes"))
}

pub fn family_hex(id: u64) -> String {
    format!("{id:016x}")
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

/// A line's point tag as it enters the family key: `under` for the proxy's `_host`/`_tag` rename.
#[derive(Clone, Copy)]
struct KeyTok {
    k: Tok,
    v: Tok,
    under: bool,
}

/// What one line shape (kind, name and tag keys in the order the line gave them) resolves to.
struct Shape {
    /// The shape itself, checked byte for byte on every hit: per string, its length (u32 LE), a
    /// tag byte and the bytes.
    text: Box<[u8]>,
    id: u64,
    /// Positions of the line's keys in family-key order (stable: repeated span keys keep the
    /// line's order), which is the order series hashes take the values in.
    order: Box<[u32]>,
}

pub struct Families {
    seed: u64,
    /// Line shape hash → shape. Senders write a family's keys in the same order line after line,
    /// so a hit skips building, sorting and hashing the family key: only the shape's strings are
    /// hashed and compared, straight from the line.
    shapes: HashMap<u64, Shape, IdBuild>,
    /// Bytes the shapes hold (texts and orders), bounded by CACHE_BYTES.
    shape_bytes: usize,
    /// Family key hash → (key, id): the second level, for shapes not seen yet.
    keys_cache: HashMap<u64, (Box<[u8]>, u64), IdBuild>,
    keys_bytes: usize,
    /// Every shape and key hashes alike (tests: only the byte comparisons tell them apart).
    collide: bool,
    inc: Vec<KeyTok>,
    key: Vec<u8>,
    keys: Vec<u8>,
    idx: Vec<(u32, u32, u32)>,
    order: Vec<u32>,
}

impl Default for Families {
    fn default() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x5EED);
        Families {
            seed: h.finish(),
            shapes: HashMap::default(),
            shape_bytes: 0,
            keys_cache: HashMap::default(),
            keys_bytes: 0,
            collide: false,
            inc: Vec::with_capacity(32),
            key: Vec::with_capacity(256),
            keys: Vec::with_capacity(256),
            idx: Vec::with_capacity(32),
            order: Vec::with_capacity(32),
        }
    }
}

const TAG_KIND: u8 = 0;
const TAG_NAME: u8 = 1;
const TAG_KEY: u8 = 2;
const TAG_UNDER_KEY: u8 = 3;

/// Makes room for an entry of `add` bytes in a cache bounded in entries and bytes, by clearing it:
/// a hostile stream of distinct shapes or keys then costs a key build (and SHA-256 for new keys)
/// per line, never unbounded memory.
fn make_room<K, V, S>(cache: &mut HashMap<K, V, S>, bytes: &mut usize, add: usize) {
    if cache.len() >= CACHE_MAX || *bytes + add > CACHE_BYTES {
        cache.clear();
        *bytes = 0;
    }
    *bytes += add;
}

impl Families {
    /// Caches where every shape and every key collide, for tests of the byte comparisons.
    pub fn colliding() -> Self {
        Families {
            collide: true,
            ..Families::default()
        }
    }

    /// Collects the tags that enter the family key, in line order, and hashes the line's shape.
    fn shape_hash(&mut self, buf: &[u8], rec: &Rec) -> u64 {
        self.inc.clear();
        let mut h = Stream::new(self.seed);
        h.absorb(TAG_KIND, &[rec.kind as u8]);
        h.absorb(TAG_NAME, &rec.name.text(buf));
        for t in rec.live_tags() {
            if t.flags & TAG_SYNTHETIC != 0 {
                continue;
            }
            if rec.kind == Kind::Span && SPAN_STRUCTURAL.iter().any(|s| t.k.eq(buf, s)) {
                continue;
            }
            let under = t.flags & TAG_UNDERSCORE != 0;
            h.absorb(if under { TAG_UNDER_KEY } else { TAG_KEY }, &t.k.text(buf));
            self.inc.push(KeyTok {
                k: t.k,
                v: t.v,
                under,
            });
        }
        if self.collide {
            0
        } else {
            h.finish()
        }
    }

    /// Whether `text` is the shape of `rec` (whose keys `shape_hash` collected).
    fn same_shape(&self, text: &[u8], buf: &[u8], rec: &Rec) -> bool {
        let mut p = 0;
        self.segments(buf, rec, |tag, b| {
            let end = p + 5 + b.len();
            let ok = end <= text.len()
                && text[p..p + 4] == (b.len() as u32).to_le_bytes()
                && text[p + 4] == tag
                && same_bytes(&text[p + 5..end], b);
            p = end;
            ok
        }) && p == text.len()
    }

    fn shape_text(&self, buf: &[u8], rec: &Rec) -> Box<[u8]> {
        let mut text = Vec::with_capacity(64);
        self.segments(buf, rec, |tag, b| {
            text.extend_from_slice(&(b.len() as u32).to_le_bytes());
            text.push(tag);
            text.extend_from_slice(b);
            true
        });
        text.into_boxed_slice()
    }

    /// The shape's strings in order (kind, name, the collected keys), each with its tag byte,
    /// until `f` returns false; whether it never did. `shape_hash` hashes the same sequence.
    fn segments(&self, buf: &[u8], rec: &Rec, mut f: impl FnMut(u8, &[u8]) -> bool) -> bool {
        f(TAG_KIND, &[rec.kind as u8])
            && f(TAG_NAME, &rec.name.text(buf))
            && self.inc.iter().all(|t| {
                f(
                    if t.under { TAG_UNDER_KEY } else { TAG_KEY },
                    &t.k.text(buf),
                )
            })
    }

    /// Builds the family key of the collected keys into `self.key`, and their family-key order
    /// into `self.order`.
    fn build_key(&mut self, buf: &[u8], rec: &Rec) {
        self.keys.clear();
        self.idx.clear();
        for (i, t) in self.inc.iter().enumerate() {
            let s = self.keys.len() as u32;
            if t.under {
                self.keys.push(b'_');
            }
            self.keys.extend_from_slice(&t.k.text(buf));
            self.idx.push((s, self.keys.len() as u32, i as u32));
        }
        let keys = &self.keys;
        self.idx.sort_by(|a, b| {
            keys[a.0 as usize..a.1 as usize].cmp(&keys[b.0 as usize..b.1 as usize])
        });
        self.key.clear();
        self.key.extend_from_slice(rec.kind.as_str().as_bytes());
        self.key.push(SEP);
        self.key.extend_from_slice(&rec.name.text(buf));
        self.order.clear();
        let mut prev: Option<&[u8]> = None;
        for &(s, e, i) in &self.idx {
            self.order.push(i);
            let k = &keys[s as usize..e as usize];
            if prev == Some(k) {
                continue;
            }
            self.key.push(SEP);
            self.key.extend_from_slice(k);
            prev = Some(k);
        }
    }

    /// The id of the key in `self.key`. Many shapes share a key (senders that iterate a hash map
    /// write their tags in a new order each time: k! shapes for k keys), so a miss of the shape
    /// cache looks the key up before it runs SHA-256.
    fn id_of_key(&mut self) -> u64 {
        let mut h = Stream::new(self.seed);
        h.absorb(0, &self.key);
        let h = if self.collide { 0 } else { h.finish() };
        if let Some((k, id)) = self.keys_cache.get(&h) {
            if same_bytes(k, &self.key) {
                return *id;
            }
        }
        let id = family_id_of_key(&self.key);
        make_room(&mut self.keys_cache, &mut self.keys_bytes, self.key.len());
        self.keys_cache
            .insert(h, (self.key.clone().into_boxed_slice(), id));
        id
    }

    /// Builds the family key of `rec` into an internal buffer and returns it.
    pub fn key_of(&mut self, buf: &[u8], rec: &Rec) -> &[u8] {
        self.shape_hash(buf, rec);
        self.build_key(buf, rec);
        &self.key
    }

    /// Family id of `rec` (which must have a family kind) and its series hash.
    pub fn ids(&mut self, buf: &[u8], rec: &Rec) -> (u64, u64) {
        let h = self.shape_hash(buf, rec);
        let hit = match self.shapes.get(&h) {
            Some(shape) if self.same_shape(&shape.text, buf, rec) => Some(shape),
            _ => None,
        };
        let (fam, order) = match hit {
            Some(shape) => (shape.id, &shape.order),
            None => {
                self.build_key(buf, rec);
                let id = self.id_of_key();
                let text = self.shape_text(buf, rec);
                make_room(
                    &mut self.shapes,
                    &mut self.shape_bytes,
                    text.len() + 4 * self.order.len(),
                );
                let shape = Shape {
                    text,
                    id,
                    order: self.order.clone().into_boxed_slice(),
                };
                // A colliding entry is replaced: the newest shape is the likelier next.
                self.shapes.insert(h, shape);
                let shape = &self.shapes[&h];
                (shape.id, &shape.order)
            }
        };
        // Series: family id, source, then the values in family-key order. Stable across processes
        // (no random seed) so shards and runs agree.
        let mut s = Stream::new(fam);
        match rec.source {
            Some(src) => s.absorb(1, &src.text(buf)),
            None => s.absorb(0, &[]),
        }
        for &i in order.iter() {
            s.absorb(0, &self.inc[i as usize].v.text(buf));
        }
        (fam, s.finish())
    }
}
