//! OData query options: parsing `$filter`, `$select`, `$expand`, `$top` and `$skiptoken`,
//! and applying them to rendered collections.

pub(crate) mod filter;
mod query;

pub(crate) use query::{
    encode_skiptoken, filter_error as query_filter_error, Expand, Family, Query, MAX_TOP,
};
