//! Where the user is in the clinics journey ([`Step`]) and what needs no registry: which button fits which
//! step, where «Назад» and the pager lead, the kinds of clinics and the pages of a list. A leaf apart from
//! the domain's and the registry's types and the journey's own button codes.

use serde::{Deserialize, Serialize};

use crate::domain::ClinicKind;
use crate::registry::Clinic;

use super::cb::{Cb, Tag};

/// Clinics on one page of the list.
pub const PAGE_SIZE: usize = 6;

/// A step of the journey, stored in the dialogue. Holds the registry's ids (not tags), so a step can be
/// shown again after a restart. A clinic kind is stored by its [`ClinicKind::key`]; a dialogue stored
/// before kinds were classified holds the registry's `lpuType`, which reads as the same kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The districts.
    Districts,
    /// The clinic types of a district.
    Kinds { district: String },
    /// A page (from 1) of the clinics of one type in a district.
    Clinics {
        district: String,
        kind: ClinicKind,
        page: u32,
    },
    /// One clinic's card, reached from that page.
    Card {
        district: String,
        kind: ClinicKind,
        page: u32,
        clinic: i64,
    },
}

impl Step {
    /// Whether `tap` belongs to the screen of this step (any other tap is stale).
    pub fn accepts(&self, tap: &Cb) -> bool {
        match (tap, self) {
            (Cb::Retry, _) => true,
            (Cb::District(_), Step::Districts) => true,
            (Cb::Kind(d, _), Step::Kinds { district }) => *d == Tag::of(district),
            (Cb::BackToDistricts, Step::Kinds { .. }) => true,
            (Cb::Page(d, k, _), Step::Clinics { district, kind, .. }) => {
                *d == Tag::of(district) && *k == Tag::of(kind.key())
            }
            (Cb::Clinic(_) | Cb::BackToKinds, Step::Clinics { .. }) => true,
            (Cb::BackToList | Cb::Map | Cb::Book, Step::Card { .. }) => true,
            _ => false,
        }
    }

    /// Where a tap that needs nothing from the registry leads: «Повторить» (this step again), a page of the
    /// list, «Назад». `None` for the taps that name something the registry must still know.
    pub fn moved(&self, tap: &Cb) -> Option<Step> {
        let next = match (tap, self.clone()) {
            (Cb::Retry, step) => step,
            (Cb::Page(_, _, page), Step::Clinics { district, kind, .. }) => Step::Clinics {
                district,
                kind,
                page: *page,
            },
            (Cb::BackToDistricts, _) => Step::Districts,
            (Cb::BackToKinds, Step::Clinics { district, .. }) => Step::Kinds { district },
            (
                Cb::BackToList,
                Step::Card {
                    district,
                    kind,
                    page,
                    ..
                },
            ) => Step::Clinics {
                district,
                kind,
                page,
            },
            _ => return None,
        };
        Some(next)
    }

    /// The card of `clinic`, reached from this page of the list.
    pub fn card(&self, clinic: i64) -> Option<Step> {
        let Step::Clinics {
            district,
            kind,
            page,
        } = self.clone()
        else {
            return None;
        };
        Some(Step::Card {
            district,
            kind,
            page,
            clinic,
        })
    }
}

/// The kind of a clinic, classified from the registry's `lpuType` (see [`ClinicKind`]).
pub fn kind_of(clinic: &Clinic) -> ClinicKind {
    ClinicKind::classify(clinic.kind.as_deref())
}

/// The kinds present among `clinics`, each once, in [`ClinicKind`]'s order: adult polyclinics first,
/// unknown kinds last by name. Clinics whose values differ but mean the same kind are one kind.
pub fn kinds(clinics: &[Clinic]) -> Vec<ClinicKind> {
    let mut kinds: Vec<ClinicKind> = clinics.iter().map(kind_of).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// One page of a non-empty list: its number (the one asked for, within the list), how many pages there
/// are, and its clinics.
pub fn page_of(listed: &[Clinic], page: u32) -> (u32, u32, &[Clinic]) {
    let pages = listed.len().div_ceil(PAGE_SIZE).max(1) as u32;
    let page = page.clamp(1, pages);
    let start = (page as usize - 1) * PAGE_SIZE;
    let end = (start + PAGE_SIZE).min(listed.len());
    (page, pages, &listed[start.min(end)..end])
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::bot::clinics) fn clinic(id: i64, kind: Option<&str>) -> Clinic {
        Clinic {
            id,
            short_name: format!("ЛПУ {id}"),
            full_name: String::new(),
            kind: kind.map(str::to_owned),
            district_id: None,
            district_name: None,
            address: None,
            phone: None,
            email: None,
            longitude: None,
            latitude: None,
            is_active: true,
            description: None,
            oid: None,
        }
    }

    /// A district's list: clinics numbered from 1, of the kinds given, in order.
    pub(in crate::bot::clinics) fn numbered(kinds: &[Option<&str>]) -> Vec<Clinic> {
        (1..)
            .zip(kinds)
            .map(|(id, kind)| clinic(id, *kind))
            .collect()
    }

    #[test]
    fn a_button_fits_only_its_own_step() {
        let kinds = Step::Kinds {
            district: "1".into(),
        };
        let list = Step::Clinics {
            district: "1".into(),
            kind: "Поликлиника взрослая".into(),
            page: 2,
        };
        assert!(Step::Districts.accepts(&Cb::District(Tag::of("2"))));
        assert!(!kinds.accepts(&Cb::District(Tag::of("2"))));
        assert!(kinds.accepts(&Cb::Kind(Tag::of("1"), Tag::of("x"))));
        assert!(!kinds.accepts(&Cb::Kind(Tag::of("2"), Tag::of("x"))));
        assert!(list.accepts(&Cb::Page(Tag::of("1"), Tag::of("@adult"), 3)));
        assert!(!list.accepts(&Cb::Page(Tag::of("1"), Tag::of("@children"), 3)));
        assert!(!list.accepts(&Cb::BackToList));
        assert!(list.accepts(&Cb::Retry));
    }

    #[test]
    fn back_climbs_one_level_to_the_same_page_and_the_pager_keeps_the_list() {
        let list = |page| Step::Clinics {
            district: "1".into(),
            kind: ClinicKind::AdultPolyclinic,
            page,
        };
        let card = list(2).card(111).unwrap();
        assert_eq!(card.moved(&Cb::BackToList), Some(list(2)));
        assert_eq!(
            list(2).moved(&Cb::BackToKinds),
            Some(Step::Kinds {
                district: "1".into()
            })
        );
        assert_eq!(
            list(2).moved(&Cb::Page(Tag::of("1"), Tag::of("@adult"), 3)),
            Some(list(3))
        );
        assert_eq!(card.moved(&Cb::Retry), Some(card.clone()));
        assert_eq!(list(1).moved(&Cb::Clinic(5)), None);
        assert_eq!(Step::Districts.card(5), None);
    }

    #[test]
    fn pages_hold_six_and_a_page_past_the_end_is_the_last() {
        let listed: Vec<Clinic> = (1..=14).map(|id| clinic(id, None)).collect();
        let ids = |(page, pages, on): (u32, u32, &[Clinic])| {
            (page, pages, on.iter().map(|c| c.id).collect::<Vec<_>>())
        };
        assert_eq!(ids(page_of(&listed, 1)), (1, 3, vec![1, 2, 3, 4, 5, 6]));
        assert_eq!(ids(page_of(&listed, 3)), (3, 3, vec![13, 14]));
        assert_eq!(ids(page_of(&listed, 9)), (3, 3, vec![13, 14]));
        assert_eq!(ids(page_of(&listed, 0)), (1, 3, vec![1, 2, 3, 4, 5, 6]));
    }

    #[test]
    fn both_spellings_of_a_kind_are_one_button_with_one_tag() {
        let list = numbered(&[
            Some("Поликлиника взрослая"),
            Some("Поликлиника"),
            Some("Детская психиатрия"),
        ]);
        let kinds = kinds(&list);
        assert_eq!(
            kinds,
            vec![ClinicKind::AdultPolyclinic, ClinicKind::ChildrenPsychiatry]
        );
        let adult: Vec<i64> = list
            .iter()
            .filter(|c| kind_of(c) == kinds[0])
            .map(|c| c.id)
            .collect();
        assert_eq!(adult, vec![1, 2]);
        assert_eq!(Tag::of(kinds[0].key()), Tag::of("@adult"));
    }
}
