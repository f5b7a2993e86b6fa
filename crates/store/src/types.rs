//! How the store's two conventions for columns are read and written: times are BIGINT
//! milliseconds since the Unix epoch (UTC) and flags are BIGINT 0 or 1 (migration 1). Binding a
//! [`Millis`] or a [`Flag`], or reading one back (also as `Option<_>` and inside `query_as`
//! tuples), does the conversion in one place instead of at every query, and a stored value
//! outside the convention is refused as corrupt rather than read as something else. Columns of
//! a closed set of words are read with `closed_word` and their enum's `parse`.

use chrono::{DateTime, Utc};
use sqlx::any::{Any, AnyRow, AnyTypeInfo};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Row, Type};

use crate::error::{Result, StoreError};

/// A time as the database keeps it: milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub DateTime<Utc>);

/// A yes-or-no as the database keeps it: 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Flag(pub bool);

impl From<DateTime<Utc>> for Millis {
    fn from(t: DateTime<Utc>) -> Self {
        Millis(t)
    }
}

impl From<Millis> for DateTime<Utc> {
    fn from(m: Millis) -> Self {
        m.0
    }
}

impl From<bool> for Flag {
    fn from(b: bool) -> Self {
        Flag(b)
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> Self {
        f.0
    }
}

impl Type<Any> for Millis {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Any> for Millis {
    fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode_by_ref(&self.0.timestamp_millis(), buf)
    }
}

impl<'r> Decode<'r, Any> for Millis {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let ms = <i64 as Decode<'r, Any>>::decode(value)?;
        DateTime::from_timestamp_millis(ms)
            .map(Millis)
            .ok_or_else(|| format!("{ms} milliseconds since the epoch is not a representable time").into())
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Any> for Flag {
    fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode_by_ref(&i64::from(self.0), buf)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        match <i64 as Decode<'r, Any>>::decode(value)? {
            0 => Ok(Flag(false)),
            1 => Ok(Flag(true)),
            n => Err(format!("a flag is 0 or 1, not {n}").into()),
        }
    }
}

/// Reads a column holding a word of a closed set (its enum's `parse`); a word the enum does not
/// know is corrupt data, named with its column.
pub(crate) fn closed_word<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let word: String = row.try_get(column)?;
    parse(&word).ok_or_else(|| StoreError::Corrupt(format!("{column} {word:?}")))
}
