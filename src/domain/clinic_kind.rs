//! What kind of clinic an ЛПУ is, from the registry's free-text `lpuType`.
//!
//! The registry's wording changes over the years (2023: «Поликлиника взрослая», 2025: «Поликлиника» for the
//! same adult polyclinics) and new values keep appearing. A value is classified by its whole text, never by
//! a part of it: «Детская психиатрия» is not a children's polyclinic because it contains «детск». A value not
//! known here stays a kind of its own, named as the registry wrote it, so it is never merged into a wrong
//! known kind.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::age::{audience_of_words, Audience};

/// A kind of clinic: one button on the clinic-kind screen, whatever spellings stand behind it.
///
/// The declaration order is the order of the buttons: adult polyclinics first, then children's, then the
/// rest; [`ClinicKind::Unknown`] ones come last, by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum ClinicKind {
    AdultPolyclinic,
    ChildrenPolyclinic,
    /// «Стоматологическая поликлиника взрослая».
    DentalAdult,
    /// «Стоматологическая поликлиника детская».
    DentalChildren,
    /// «Стоматология»: the registry does not say for whom.
    Dental,
    WomensConsultation,
    Hospital,
    MedicalCentre,
    Dermatovenereology,
    Psychiatry,
    ChildrenPsychiatry,
    Narcology,
    Oncology,
    Phthisiology,
    /// «Прочее», or no kind at all.
    Other,
    /// A value this table does not know, as the registry wrote it (whitespace collapsed).
    Unknown(String),
}

/// Every known kind, in the order of the buttons.
pub const KNOWN_KINDS: [ClinicKind; 15] = [
    ClinicKind::AdultPolyclinic,
    ClinicKind::ChildrenPolyclinic,
    ClinicKind::DentalAdult,
    ClinicKind::DentalChildren,
    ClinicKind::Dental,
    ClinicKind::WomensConsultation,
    ClinicKind::Hospital,
    ClinicKind::MedicalCentre,
    ClinicKind::Dermatovenereology,
    ClinicKind::Psychiatry,
    ClinicKind::ChildrenPsychiatry,
    ClinicKind::Narcology,
    ClinicKind::Oncology,
    ClinicKind::Phthisiology,
    ClinicKind::Other,
];

/// Each known kind with its spellings, lower case, `ё` as `е`, single spaces: the values seen in the live
/// registry (2023 and 2025–26) and the bot's own labels, so a registry that writes a label is not split
/// from it.
const SPELLINGS: &[(ClinicKind, &[&str])] = &[
    (
        ClinicKind::AdultPolyclinic,
        &[
            "поликлиника взрослая",
            "поликлиника",
            "взрослая поликлиника",
        ],
    ),
    (
        ClinicKind::ChildrenPolyclinic,
        &["поликлиника детская", "детская поликлиника"],
    ),
    (ClinicKind::WomensConsultation, &["женская консультация"]),
    (
        ClinicKind::DentalAdult,
        &[
            "стоматологическая поликлиника взрослая",
            "стоматология для взрослых",
            "стоматология взрослая",
        ],
    ),
    (
        ClinicKind::DentalChildren,
        &[
            "стоматологическая поликлиника детская",
            "детская стоматология",
            "стоматология детская",
        ],
    ),
    (
        ClinicKind::Dental,
        &["стоматология", "стоматологическая поликлиника"],
    ),
    (ClinicKind::Hospital, &["больница"]),
    (ClinicKind::MedicalCentre, &["медицинский центр"]),
    (
        ClinicKind::Dermatovenereology,
        &[
            "кожно-венерологическая служба",
            "дерматология и венерология",
        ],
    ),
    (ClinicKind::Psychiatry, &["психиатрия"]),
    (ClinicKind::ChildrenPsychiatry, &["детская психиатрия"]),
    (ClinicKind::Narcology, &["наркология"]),
    (ClinicKind::Oncology, &["онкоцентр", "онкология"]),
    (ClinicKind::Phthisiology, &["фтизиатрия"]),
    (ClinicKind::Other, &["прочее", "другие", ""]),
];

impl ClinicKind {
    /// The kind of a clinic whose `lpuType` is `raw` (`None` when the registry gives none).
    pub fn classify(raw: Option<&str>) -> ClinicKind {
        let written = collapse(raw.unwrap_or_default());
        let normal = written.to_lowercase().replace('ё', "е");
        SPELLINGS
            .iter()
            .find(|(_, spellings)| spellings.contains(&normal.as_str()))
            .map_or(ClinicKind::Unknown(written), |(kind, _)| kind.clone())
    }

    /// A stable name of the kind, for the dialogue state and button tags: `@adult` and the like for a known
    /// kind, the registry's own words for an unknown one.
    pub fn key(&self) -> &str {
        match self {
            ClinicKind::AdultPolyclinic => "@adult",
            ClinicKind::ChildrenPolyclinic => "@children",
            ClinicKind::WomensConsultation => "@women",
            ClinicKind::DentalAdult => "@dental-adult",
            ClinicKind::DentalChildren => "@dental-children",
            ClinicKind::Dental => "@dental",
            ClinicKind::Hospital => "@hospital",
            ClinicKind::MedicalCentre => "@medical-centre",
            ClinicKind::Dermatovenereology => "@dermatovenereology",
            ClinicKind::Psychiatry => "@psychiatry",
            ClinicKind::ChildrenPsychiatry => "@children-psychiatry",
            ClinicKind::Narcology => "@narcology",
            ClinicKind::Oncology => "@oncology",
            ClinicKind::Phthisiology => "@phthisiology",
            ClinicKind::Other => "@other",
            ClinicKind::Unknown(written) => written,
        }
    }

    /// Whom clinics of this kind receive, by age. A kind this table does not know says it by its words
    /// («Детская инфекционная больница» is for children), or is for everyone.
    pub fn audience(&self) -> Audience {
        match self {
            ClinicKind::ChildrenPolyclinic
            | ClinicKind::DentalChildren
            | ClinicKind::ChildrenPsychiatry => Audience::Children,
            ClinicKind::AdultPolyclinic
            | ClinicKind::DentalAdult
            | ClinicKind::WomensConsultation
            | ClinicKind::Psychiatry => Audience::Adults,
            ClinicKind::Dental
            | ClinicKind::Hospital
            | ClinicKind::MedicalCentre
            | ClinicKind::Dermatovenereology
            | ClinicKind::Narcology
            | ClinicKind::Oncology
            | ClinicKind::Phthisiology
            | ClinicKind::Other => Audience::Everyone,
            ClinicKind::Unknown(written) => {
                audience_of_words(written, &["детск", "педиатр"], &["взросл"])
            }
        }
    }

    /// The kind a [`ClinicKind::key`] names. Anything else is read as a registry value, so a dialogue stored
    /// before kinds were classified (it holds the registry's `lpuType`) still finds its kind.
    pub fn from_key(key: &str) -> ClinicKind {
        KNOWN_KINDS
            .iter()
            .find(|kind| kind.key() == key)
            .cloned()
            .unwrap_or_else(|| ClinicKind::classify(Some(key)))
    }
}

impl From<ClinicKind> for String {
    fn from(kind: ClinicKind) -> String {
        kind.key().to_owned()
    }
}

impl From<String> for ClinicKind {
    fn from(key: String) -> ClinicKind {
        ClinicKind::from_key(&key)
    }
}

impl From<&str> for ClinicKind {
    fn from(key: &str) -> ClinicKind {
        ClinicKind::from_key(key)
    }
}

impl fmt::Display for ClinicKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// `text` trimmed, with every run of whitespace as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClinicKind::*;

    fn of(raw: &str) -> ClinicKind {
        ClinicKind::classify(Some(raw))
    }

    #[test]
    fn every_value_the_live_registry_sent_in_2023_is_classified() {
        let cases = [
            ("Поликлиника взрослая", AdultPolyclinic),
            ("Поликлиника детская", ChildrenPolyclinic),
            ("Стоматологическая поликлиника взрослая", DentalAdult),
            ("Стоматологическая поликлиника детская", DentalChildren),
            ("Женская консультация", WomensConsultation),
            ("Кожно-венерологическая служба", Dermatovenereology),
            ("Медицинский центр", MedicalCentre),
            ("Прочее", Other),
        ];
        for (raw, kind) in cases {
            assert_eq!(of(raw), kind, "{raw}");
        }
    }

    #[test]
    fn every_value_the_live_registry_sent_in_2025_and_2026_is_classified() {
        let cases = [
            ("Поликлиника", AdultPolyclinic),
            ("Детская поликлиника", ChildrenPolyclinic),
            ("Стоматология", Dental),
            ("Женская консультация", WomensConsultation),
            ("Больница", Hospital),
            ("Психиатрия", Psychiatry),
            ("Детская психиатрия", ChildrenPsychiatry),
            ("Дерматология и венерология", Dermatovenereology),
            ("Наркология", Narcology),
            ("Онкоцентр", Oncology),
            ("Фтизиатрия", Phthisiology),
        ];
        for (raw, kind) in cases {
            assert_eq!(of(raw), kind, "{raw}");
        }
    }

    #[test]
    fn case_spaces_and_yo_do_not_matter_but_words_do() {
        assert_eq!(of("  ПОЛИКЛИНИКА   взрослая "), AdultPolyclinic);
        assert_eq!(of("детская\tпсихиатрия"), ChildrenPsychiatry);
        assert_eq!(of("Детская психиатрия"), ChildrenPsychiatry);
        // No substring matching: these are not the polyclinics their words contain.
        assert_eq!(
            of("Детская инфекционная больница"),
            Unknown("Детская инфекционная больница".into())
        );
        assert_eq!(
            of("Поликлиника взрослая № 2"),
            Unknown("Поликлиника взрослая № 2".into())
        );
    }

    #[test]
    fn no_kind_and_other_are_one_kind() {
        assert_eq!(ClinicKind::classify(None), Other);
        assert_eq!(of(""), Other);
        assert_eq!(of("   "), Other);
        assert_eq!(of("Прочее"), Other);
    }

    #[test]
    fn an_unknown_value_keeps_its_own_words() {
        assert_eq!(of("Санаторий"), Unknown("Санаторий".into()));
        assert_eq!(
            of(" Диагностический\n центр "),
            Unknown("Диагностический центр".into())
        );
    }

    #[test]
    fn adults_come_first_then_children_then_the_rest_and_unknown_ones_last_by_name() {
        let mut kinds = vec![
            of("Санаторий"),
            of("Фтизиатрия"),
            of("Детская поликлиника"),
            of("Прочее"),
            of("Архив"),
            of("Поликлиника"),
            of("Стоматология"),
        ];
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                AdultPolyclinic,
                ChildrenPolyclinic,
                Dental,
                Phthisiology,
                Other,
                Unknown("Архив".into()),
                Unknown("Санаторий".into()),
            ]
        );
        let mut sorted = KNOWN_KINDS.to_vec();
        sorted.sort();
        assert_eq!(sorted, KNOWN_KINDS.to_vec());
    }

    #[test]
    fn keys_are_distinct_and_read_back_and_old_stored_values_still_read() {
        let keys: std::collections::BTreeSet<_> = KNOWN_KINDS.iter().map(ClinicKind::key).collect();
        assert_eq!(keys.len(), KNOWN_KINDS.len());
        for kind in KNOWN_KINDS
            .iter()
            .cloned()
            .chain([Unknown("Санаторий".into())])
        {
            assert_eq!(ClinicKind::from_key(kind.key()), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<ClinicKind>(&json).unwrap(), kind);
        }
        // A dialogue stored before classification holds the registry's value.
        assert_eq!(
            serde_json::from_str::<ClinicKind>("\"Поликлиника взрослая\"").unwrap(),
            AdultPolyclinic
        );
        assert_eq!(
            serde_json::to_string(&AdultPolyclinic).unwrap(),
            "\"@adult\""
        );
    }

    #[test]
    fn every_spelling_is_written_as_classify_normalizes() {
        for (kind, spellings) in SPELLINGS {
            for spelling in *spellings {
                assert_eq!(&of(spelling), kind, "{spelling}");
                assert_eq!(*spelling, spelling.to_lowercase().replace('ё', "е"));
            }
        }
    }

    #[test]
    fn every_known_kind_says_whom_it_receives() {
        use crate::domain::age::Audience::*;
        let expected = [
            (AdultPolyclinic, Adults),
            (ChildrenPolyclinic, Children),
            (DentalAdult, Adults),
            (DentalChildren, Children),
            (Dental, Everyone),
            (WomensConsultation, Adults),
            (Hospital, Everyone),
            (MedicalCentre, Everyone),
            (Dermatovenereology, Everyone),
            (Psychiatry, Adults),
            (ChildrenPsychiatry, Children),
            (Narcology, Everyone),
            (Oncology, Everyone),
            (Phthisiology, Everyone),
            (Other, Everyone),
        ];
        assert_eq!(expected.len(), KNOWN_KINDS.len());
        for (kind, audience) in expected {
            assert_eq!(kind.audience(), audience, "{kind:?}");
        }
    }

    #[test]
    fn an_unknown_kind_says_its_audience_by_its_words_or_is_for_everyone() {
        use crate::domain::age::Audience;
        assert_eq!(
            of("Детская инфекционная больница").audience(),
            Audience::Children
        );
        assert_eq!(of("Поликлиника взрослая № 2").audience(), Audience::Adults);
        assert_eq!(of("Санаторий").audience(), Audience::Everyone);
        assert_eq!(of("Детско-взрослый центр").audience(), Audience::Everyone);
    }

    #[test]
    fn a_child_sees_childrens_kinds_first_and_an_adult_adults_kinds_first() {
        let mut for_child = KNOWN_KINDS.to_vec();
        for_child.sort_by_key(|k| k.audience().rank(10));
        assert_eq!(
            &for_child[..3],
            &[ChildrenPolyclinic, DentalChildren, ChildrenPsychiatry]
        );
        assert_eq!(for_child.last(), Some(&Psychiatry));
        let mut for_adult = KNOWN_KINDS.to_vec();
        for_adult.sort_by_key(|k| k.audience().rank(40));
        assert_eq!(for_adult[0], AdultPolyclinic);
        assert_eq!(for_adult.last(), Some(&ChildrenPsychiatry));
    }
}
