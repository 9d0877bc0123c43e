//! The slot watches' button data, `wt:…`. A leaf.

use crate::bot::codes::parse_id as id;

/// The journey's button data, `wt:…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Записаться» under a notice: the booking at the watched doctor or specialty.
    Book(i64),
    /// «Не следить» (under a notice or in the list).
    Stop(i64),
    /// The list of watches.
    List,
}

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Book(id) => format!("wt:b:{id}"),
            Cb::Stop(id) => format!("wt:x:{id}"),
            Cb::List => "wt:l".to_owned(),
        }
    }

    /// Decodes what follows `wt:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        match rest {
            ["b", raw] => id(raw).map(Cb::Book),
            ["x", raw] => id(raw).map(Cb::Stop),
            ["l"] => Some(Cb::List),
            _ => None,
        }
    }
}
