//! The buttons of «Мои дети»: `k:…`, child ids as decimal numbers, never names or policies. A leaf of the
//! journey: it knows the form's buttons ([`super::state`]) and the shared pieces of button
//! data ([`crate::bot::codes`]), nothing else of the bot.

use crate::bot::codes::{digits, parse_id};
use crate::domain::{Relation, Sex};

use super::state::{Field, PolicyChoice, Tap};

/// Ids come from the store and stay below 2^53; anything else in button data is forged or garbage.
pub const MAX_CHILD_ID: i64 = 1 << 53;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    List,
    Card(i64),
    Add,
    Import,
    /// The n-th child of the Gosuslugi list.
    ImportPick(u8),
    /// A button of the child's form.
    Form(Tap),
    /// «Изменить» on a child's card.
    Change(i64),
    Delete(i64),
    DeleteYes(i64),
    DeleteNo(i64),
    ChoosePerson,
    ActAsMe,
    ActAs(i64),
}

impl Cb {
    pub const PREFIX: &'static str = "k:";

    pub fn encode(&self) -> String {
        let rest = match self {
            Cb::List => "l".to_owned(),
            Cb::Card(id) => format!("c:{id}"),
            Cb::Add => "add".to_owned(),
            Cb::Import => "imp".to_owned(),
            Cb::ImportPick(n) => format!("ip:{n}"),
            Cb::Form(tap) => form_code(*tap),
            Cb::Change(id) => format!("ch:{id}"),
            Cb::Delete(id) => format!("d:{id}"),
            Cb::DeleteYes(id) => format!("dy:{id}"),
            Cb::DeleteNo(id) => format!("dn:{id}"),
            Cb::ChoosePerson => "who".to_owned(),
            Cb::ActAsMe => "me".to_owned(),
            Cb::ActAs(id) => format!("as:{id}"),
        };
        format!("{}{rest}", Cb::PREFIX)
    }

    pub fn decode(data: &str) -> Option<Cb> {
        let rest = data.strip_prefix(Cb::PREFIX)?;
        let (head, arg) = match rest.split_once(':') {
            Some((head, arg)) => (head, Some(arg)),
            None => (rest, None),
        };
        match arg {
            None => Self::decode_bare(head),
            Some(arg) => Self::decode_with(head, arg),
        }
    }

    /// A button without an argument: `k:add`.
    fn decode_bare(head: &str) -> Option<Cb> {
        let cb = match head {
            "l" => Cb::List,
            "add" => Cb::Add,
            "imp" => Cb::Import,
            "b" => Cb::Form(Tap::Back),
            "sv" => Cb::Form(Tap::Save),
            "ed" => Cb::Form(Tap::Edit),
            "x" => Cb::Form(Tap::Close),
            "who" => Cb::ChoosePerson,
            "me" => Cb::ActAsMe,
            _ => return None,
        };
        Some(cb)
    }

    /// A button with one argument: `k:c:42`, `k:sx:f`.
    fn decode_with(head: &str, arg: &str) -> Option<Cb> {
        let id = || parse_child_id(arg);
        let cb = match (head, arg) {
            ("c", _) => Cb::Card(id()?),
            ("ip", n) if is_plain_number(n) => Cb::ImportPick(n.parse().ok()?),
            ("sx", "m") => Cb::Form(Tap::Sex(Sex::Male)),
            ("sx", "f") => Cb::Form(Tap::Sex(Sex::Female)),
            ("rl", "s") => Cb::Form(Tap::Relation(Relation::Son)),
            ("rl", "d") => Cb::Form(Tap::Relation(Relation::Daughter)),
            ("pk", "n") => Cb::Form(Tap::Kind(PolicyChoice::New)),
            ("pk", "o") => Cb::Form(Tap::Kind(PolicyChoice::Old)),
            ("fx", code) => Cb::Form(Tap::Fix(
                Field::ALL.into_iter().find(|f| field_code(*f) == code)?,
            )),
            ("ch", _) => Cb::Change(id()?),
            ("d", _) => Cb::Delete(id()?),
            ("dy", _) => Cb::DeleteYes(id()?),
            ("dn", _) => Cb::DeleteNo(id()?),
            ("as", _) => Cb::ActAs(id()?),
            _ => return None,
        };
        Some(cb)
    }
}

/// A form button, after `k:`.
fn form_code(tap: Tap) -> String {
    let code = match tap {
        Tap::Sex(Sex::Male) => "sx:m",
        Tap::Sex(Sex::Female) => "sx:f",
        Tap::Relation(Relation::Son) => "rl:s",
        Tap::Relation(Relation::Daughter) => "rl:d",
        Tap::Kind(PolicyChoice::New) => "pk:n",
        Tap::Kind(PolicyChoice::Old) => "pk:o",
        Tap::Back => "b",
        Tap::Save => "sv",
        Tap::Edit => "ed",
        Tap::Fix(field) => return format!("fx:{}", field_code(field)),
        Tap::Close => "x",
    };
    code.to_owned()
}

fn field_code(field: Field) -> &'static str {
    match field {
        Field::Name => "n",
        Field::BirthDate => "d",
        Field::Sex => "s",
        Field::Relation => "r",
        Field::Policy => "p",
    }
}

/// Digits only, no sign and no leading zero: one spelling per number, so forged variants do not decode.
fn is_plain_number(s: &str) -> bool {
    digits(s) && (s == "0" || !s.starts_with('0'))
}

fn parse_child_id(s: &str) -> Option<i64> {
    is_plain_number(s)
        .then(|| parse_id(s))
        .flatten()
        .filter(|id| *id < MAX_CHILD_ID)
}

/// Every kind of button, with ids at the edges of what the store hands out.
#[cfg(test)]
pub(crate) fn all() -> Vec<Cb> {
    let mut all = vec![
        Cb::List,
        Cb::Add,
        Cb::Import,
        Cb::ImportPick(0),
        Cb::ImportPick(254),
        Cb::ChoosePerson,
        Cb::ActAsMe,
    ];
    all.extend(
        Tap::all::<super::state::OfChild>()
            .into_iter()
            .map(Cb::Form),
    );
    for id in [1, 42, MAX_CHILD_ID - 1] {
        all.extend([
            Cb::Card(id),
            Cb::Change(id),
            Cb::Delete(id),
            Cb::DeleteYes(id),
            Cb::DeleteNo(id),
            Cb::ActAs(id),
        ]);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::codes::{assert_codec_round_trips, assert_garbage_refused};

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        assert_codec_round_trips("", all(), Cb::encode, Cb::decode);
    }

    #[test]
    fn garbage_and_impossible_ids_do_not_decode() {
        assert_garbage_refused(
            Cb::decode,
            &[
                "k:",
                "k:c",
                "k:c:",
                "k:c:0",
                "k:c:-5",
                "k:c:+5",
                "k:c:007",
                "k:c:9007199254740992",
                "k:c:99999999999999999999",
                "k:c:1:2",
                "k:c:abc",
                "k:sx:x",
                "k:rl:",
                "k:pk:t",
                "k:fx:z",
                "k:ip:256",
                "k:ip:01",
                "k:l:1",
                "k:b:",
                "k:zzz",
                "kk:l",
                "k:as:1.5",
            ],
        );
    }
}
