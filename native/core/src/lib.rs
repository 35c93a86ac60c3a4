//! wflg-core: the one Wavefront parser and formatter of the project, family ids, and the framed
//! zstd container of capture parts. Pure Rust with no N-API types so it can be tested and
//! benchmarked without Node.

pub mod batch;
pub mod describe;
pub mod event;
pub mod family;
pub mod fast;
pub mod format;
pub mod frame;
pub mod hash;
pub mod lex;
pub mod metric;
pub mod model;
pub mod num;
pub mod span;
pub mod validate;
pub mod zstream;

pub use batch::{Columns, Parser, Tally, KIND_COUNT};
pub use model::{Format, Kind, Limits, Options, Stage};
