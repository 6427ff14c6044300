//! Reading one result row by column position, without naming the engine.

use jiff::Timestamp;

use super::timestamp;
use crate::store::StoreError;

/// One result row of an SQL adapter, read by column position.
///
/// Each adapter implements it once over its engine's row type (the typed reads are the only
/// engine-specific part), so the decoders of wide rows (a customs parcel, a channel) are
/// written once here instead of once per engine.
pub trait Columns {
    /// A non-null integer (BIGINT) column.
    fn int(&self, at: usize) -> Result<i64, StoreError>;
    /// A nullable integer (BIGINT) column.
    fn opt_int(&self, at: usize) -> Result<Option<i64>, StoreError>;
    /// A non-null text column.
    fn text(&self, at: usize) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, at: usize) -> Result<Option<String>, StoreError>;
    /// A nullable binary column.
    fn opt_bytes(&self, at: usize) -> Result<Option<Vec<u8>>, StoreError>;

    /// A non-null instant column (microseconds); `what` names it in errors.
    fn instant(&self, what: &'static str, at: usize) -> Result<Timestamp, StoreError> {
        timestamp(what, self.int(at)?)
    }

    /// A nullable instant column (microseconds); `what` names it in errors.
    fn opt_instant(&self, what: &'static str, at: usize) -> Result<Option<Timestamp>, StoreError> {
        self.opt_int(at)?.map(|v| timestamp(what, v)).transpose()
    }
}

/// A `LIMIT` value: a count beyond the engine's range means no limit.
pub fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
