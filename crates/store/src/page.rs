//! Keyset pagination: `{"items": [...], "next": CURSOR|null}` for every collection.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};

/// A position in a sorted list: the last item's sort key (when not the id) and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: Option<i64>,
    pub id: String,
}

impl Cursor {
    /// The opaque text handed to clients.
    pub fn encode(&self) -> String {
        let raw = match self.key {
            Some(k) => format!("{k}|{}", self.id),
            None => self.id.clone(),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a cursor a client sent back; `None` when it is not one of ours.
    pub fn decode(s: &str) -> Option<Cursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s.trim()).ok()?).ok()?;
        let (key, id) = match raw.split_once('|') {
            Some((k, id)) => (Some(k.parse().ok()?), id.to_owned()),
            None => (None, raw),
        };
        (!id.is_empty() && id.len() <= 64).then_some(Cursor { key, id })
    }
}

/// One page of a collection.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The cursor of the page after this one; `None` on the last page. For callers that
    /// walk every page.
    pub fn next_cursor(&self) -> Option<Cursor> {
        self.next.as_deref().and_then(Cursor::decode)
    }

    /// Builds a page from a query that fetched `limit + 1` rows: the extra row only tells
    /// that there is a next page.
    pub fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Page<T> {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| cursor_of(last).encode())
        } else {
            None
        };
        Page { items, next }
    }
}

// OpenAPI: written by hand because the derive inlines a generic field's whole schema into
// every `Page_*`; here `items` refers to the item's own schema (`#/components/schemas/Lead`),
// so generated clients get one `Lead` type. `ComposeSchema` is the trait the derive itself
// implements for generic types (utoipa 6.0).
impl<T: utoipa::ToSchema> utoipa::__dev::ComposeSchema for Page<T> {
    fn compose(_generics: Vec<RefOr<Schema>>) -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("One page of a collection."))
            .property(
                "items",
                ArrayBuilder::new().items(Ref::from_schema_name(T::name())),
            )
            .required("items")
            .property(
                "next",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "Pass as `after` to get the next page; null on the last page.",
                    )),
            )
            .into()
    }
}

impl<T: utoipa::ToSchema> utoipa::ToSchema for Page<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Page")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for c in [
            Cursor {
                key: None,
                id: "0192-ab".into(),
            },
            Cursor {
                key: Some(-5),
                id: "x".into(),
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        assert_eq!(Cursor::decode("%%%"), None);
        assert_eq!(Cursor::decode(""), None);
    }

    #[test]
    fn a_page_has_a_next_cursor_only_when_more_rows_exist() {
        let p = Page::from_overfetch(vec![1, 2, 3], 2, |i| Cursor {
            key: None,
            id: i.to_string(),
        });
        assert_eq!((p.items.clone(), p.next.is_some()), (vec![1, 2], true));
        let p = Page::from_overfetch(vec![1, 2], 2, |i| Cursor {
            key: None,
            id: i.to_string(),
        });
        assert!(p.next.is_none());
    }
}
