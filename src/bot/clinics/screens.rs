//! The clinics journey's screens, in the order the user meets them: districts, the kinds of a district, a
//! page of clinics, a clinic's card. Each reads what it shows from the registry; a failure is the caller's
//! to turn into the «временно недоступен» screen.

use crate::domain::ClinicKind;
use crate::i18n::{escape_html, Lang};
use crate::registry::{Clinic, RegistryResult};
use crate::t;

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::Ctx;
use crate::bot::screen::{button, pager, Screen};

use super::cb::{Cb, Tag};
use super::registry::{clinic, clinics, district_name, districts};
use super::state::{kind_of, kinds, page_of, Step};

/// A button of this journey.
pub fn cb(inner: Cb) -> BotCb {
    BotCb::Clinics(inner)
}

/// The screen of `step`, from the registry; `age` is the age of the person booked for, when known.
pub async fn draw(ctx: &Ctx, lang: Lang, age: Option<u32>, step: &Step) -> RegistryResult<Screen> {
    match step {
        Step::Districts => districts_screen(ctx, lang).await,
        Step::Kinds { district } => kinds_screen(ctx, lang, age, district).await,
        Step::Clinics {
            district,
            kind,
            page,
        } => list_screen(ctx, lang, district, kind, *page).await,
        Step::Card { clinic, .. } => card_screen(ctx, lang, *clinic).await,
    }
}

async fn districts_screen(ctx: &Ctx, lang: Lang) -> RegistryResult<Screen> {
    let districts = districts(ctx).await?;
    let mut screen = Screen::new(ctx, lang, t!(lang, "clinics-districts-title"));
    for pair in districts.chunks(2) {
        screen = screen.row(
            pair.iter()
                .map(|d| button(d.name.clone(), cb(Cb::District(Tag::of(&d.id)))))
                .collect(),
        );
    }
    Ok(screen.button(t!(lang, "btn-menu"), BotCb::Menu))
}

async fn kinds_screen(
    ctx: &Ctx,
    lang: Lang,
    age: Option<u32>,
    district: &str,
) -> RegistryResult<Screen> {
    let name = district_name(ctx, district).await?;
    let clinics = clinics(ctx, district).await?;
    let mut kinds = kinds(&clinics);
    // Under 18: the children's kinds first and the adults' last (each group in its usual order).
    if let Some(age) = age.filter(|age| *age < crate::domain::ADULT_AGE) {
        kinds.sort_by_key(|kind| kind.audience().rank(age));
    }
    let back = button(t!(lang, "clinics-btn-back"), cb(Cb::BackToDistricts));
    if kinds.is_empty() {
        let body = t!(
            lang,
            "clinics-district-empty",
            district = escape_html(&name)
        );
        return Ok(Screen::new(ctx, lang, body).row(vec![back]));
    }
    let mut screen = Screen::new(
        ctx,
        lang,
        t!(lang, "clinics-kinds-title", district = escape_html(&name)),
    );
    for kind in &kinds {
        let count = clinics.iter().filter(|c| kind_of(c) == *kind).count();
        let label = format!("{} ({count})", kind_label(lang, kind));
        let tag = Tag::of(kind.key());
        screen = screen.button(label, cb(Cb::Kind(Tag::of(district), tag)));
    }
    Ok(screen.row(vec![back]))
}

async fn list_screen(
    ctx: &Ctx,
    lang: Lang,
    district: &str,
    kind: &ClinicKind,
    page: u32,
) -> RegistryResult<Screen> {
    let name = district_name(ctx, district).await?;
    let listed: Vec<Clinic> = clinics(ctx, district)
        .await?
        .into_iter()
        .filter(|c| kind_of(c) == *kind)
        .collect();
    let back = button(t!(lang, "clinics-btn-back"), cb(Cb::BackToKinds));
    if listed.is_empty() {
        let body = t!(lang, "clinics-kind-empty", district = escape_html(&name));
        return Ok(Screen::new(ctx, lang, body).row(vec![back]));
    }
    let (page, pages, on_page) = page_of(&listed, page);
    let mut body = t!(
        lang,
        "clinics-list-title",
        kind = escape_html(&kind_label(lang, kind)),
        district = escape_html(&name)
    );
    if pages > 1 {
        body = format!(
            "{body}\n{}",
            t!(lang, "clinics-list-page", page = page, pages = pages)
        );
    }
    let mut screen = Screen::new(ctx, lang, body);
    for clinic in on_page {
        screen = screen.button(clinic.display_name().to_owned(), cb(Cb::Clinic(clinic.id)));
    }
    let (d, k) = (Tag::of(district), Tag::of(kind.key()));
    let pager = pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::Page(d, k, to))))
        .collect();
    Ok(screen.row(pager).row(vec![back]))
}

async fn card_screen(ctx: &Ctx, lang: Lang, clinic_id: i64) -> RegistryResult<Screen> {
    let clinic = clinic(ctx, clinic_id).await?;
    let mut first_row = Vec::new();
    if clinic.coordinates().is_some() {
        first_row.push(button(t!(lang, "clinics-btn-map"), cb(Cb::Map)));
    }
    first_row.push(button(t!(lang, "clinics-btn-book"), cb(Cb::Book)));
    Ok(Screen::new(ctx, lang, card_text(lang, &clinic))
        .row(first_row)
        .button(t!(lang, "clinics-btn-back"), cb(Cb::BackToList)))
}

/// The card: the full name, the kind, the address, the phone and the e-mail.
fn card_text(lang: Lang, clinic: &Clinic) -> String {
    let full_name = if clinic.full_name.is_empty() {
        clinic.display_name()
    } else {
        &clinic.full_name
    };
    let mut lines = vec![
        format!("<b>{}</b>", escape_html(full_name)),
        escape_html(&kind_label(lang, &kind_of(clinic))),
        String::new(),
    ];
    lines.push(match &clinic.address {
        Some(address) => t!(lang, "clinics-card-address", address = escape_html(address)),
        None => t!(lang, "clinics-card-no-address"),
    });
    if let Some(phone) = &clinic.phone {
        lines.push(t!(lang, "clinics-card-phone", phone = escape_html(phone)));
    }
    if let Some(email) = &clinic.email {
        lines.push(t!(lang, "clinics-card-email", email = escape_html(email)));
    }
    lines.join("\n")
}

/// A kind's label in the user's language; an unknown kind as the registry wrote it.
pub fn kind_label(lang: Lang, kind: &ClinicKind) -> String {
    match kind {
        ClinicKind::AdultPolyclinic => t!(lang, "clinics-kind-adult"),
        ClinicKind::ChildrenPolyclinic => t!(lang, "clinics-kind-children"),
        ClinicKind::WomensConsultation => t!(lang, "clinics-kind-women"),
        ClinicKind::DentalAdult => t!(lang, "clinics-kind-dental-adult"),
        ClinicKind::DentalChildren => t!(lang, "clinics-kind-dental-children"),
        ClinicKind::Dental => t!(lang, "clinics-kind-dental"),
        ClinicKind::Hospital => t!(lang, "clinics-kind-hospital"),
        ClinicKind::MedicalCentre => t!(lang, "clinics-kind-medical-centre"),
        ClinicKind::Dermatovenereology => t!(lang, "clinics-kind-dermatovenereology"),
        ClinicKind::Psychiatry => t!(lang, "clinics-kind-psychiatry"),
        ClinicKind::ChildrenPsychiatry => t!(lang, "clinics-kind-children-psychiatry"),
        ClinicKind::Narcology => t!(lang, "clinics-kind-narcology"),
        ClinicKind::Oncology => t!(lang, "clinics-kind-oncology"),
        ClinicKind::Phthisiology => t!(lang, "clinics-kind-phthisiology"),
        ClinicKind::Other => t!(lang, "clinics-kind-other"),
        ClinicKind::Unknown(written) => written.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::clinics::state::tests::{clinic, numbered};

    #[test]
    fn every_live_value_gets_its_own_label() {
        for (raw, label) in LIVE_KINDS {
            assert_eq!(
                labels_of(Lang::Ru, &[clinic(1, Some(raw))]),
                vec![label],
                "{raw}"
            );
        }
        assert_eq!(
            labels_of(Lang::Ru, &[clinic(1, Some("Санаторий"))]),
            vec!["Санаторий"]
        );
        assert_eq!(
            labels_of(Lang::En, &[clinic(1, Some("Санаторий"))]),
            vec!["Санаторий"]
        );
        assert_eq!(labels_of(Lang::Ru, &[clinic(1, None)]), vec!["Другие"]);
        assert_eq!(
            kind_label(Lang::En, &ClinicKind::ChildrenPolyclinic),
            "Children's clinic"
        );
    }

    #[test]
    fn no_two_kinds_share_a_label_in_either_language() {
        for lang in Lang::ALL {
            let mut labels: Vec<String> = crate::domain::KNOWN_KINDS
                .iter()
                .map(|k| kind_label(lang, k))
                .collect();
            labels.sort();
            let count = labels.len();
            labels.dedup();
            assert_eq!(labels.len(), count, "{lang:?}: {labels:?}");
        }
    }

    #[test]
    fn any_mix_of_live_values_gives_each_label_once() {
        let values: Vec<&str> = LIVE_KINDS
            .iter()
            .map(|(raw, _)| *raw)
            .chain(["Санаторий", "Диагностический центр"])
            .collect();
        let unique = |labels: &[String]| {
            let mut sorted = labels.to_vec();
            sorted.sort();
            sorted.dedup();
            sorted.len() == labels.len()
        };
        // Every value, every pair of values, and every window of the list in both directions.
        let all: Vec<Clinic> = values.iter().map(|v| clinic(1, Some(v))).collect();
        assert!(unique(&labels_of(Lang::Ru, &all)));
        assert_eq!(labels_of(Lang::Ru, &all).len(), 17);
        for a in &values {
            for b in &values {
                let mix = [clinic(1, Some(a)), clinic(2, Some(b))];
                for lang in Lang::ALL {
                    assert!(unique(&labels_of(lang, &mix)), "{a} + {b}");
                }
            }
        }
        for start in 0..values.len() {
            for end in start..=values.len() {
                let mix: Vec<Clinic> = values[start..end]
                    .iter()
                    .map(|v| clinic(1, Some(v)))
                    .collect();
                let reversed: Vec<Clinic> = mix.iter().rev().cloned().collect();
                assert!(unique(&labels_of(Lang::Ru, &mix)));
                assert_eq!(labels_of(Lang::Ru, &mix), labels_of(Lang::Ru, &reversed));
            }
        }
    }

    #[test]
    fn adults_come_first_then_children_and_unknown_kinds_last_by_name() {
        let list = numbered(&[
            Some("Фтизиатрия"),
            Some("Санаторий"),
            Some("Детская психиатрия"),
            Some("Детская поликлиника"),
            None,
            Some("Архив"),
            Some("Женская консультация"),
            Some("Поликлиника"),
            Some("Поликлиника взрослая"),
        ]);
        assert_eq!(
            labels_of(Lang::Ru, &list),
            vec![
                "Взрослая поликлиника",
                "Детская поликлиника",
                "Женская консультация",
                "Детская психиатрия",
                "Фтизиатрия",
                "Другие",
                "Архив",
                "Санаторий",
            ]
        );
    }

    /// Every `lpuType` the live registry sent (2023, then 2025–26), and the label each must get.
    const LIVE_KINDS: [(&str, &str); 19] = [
        ("Поликлиника взрослая", "Взрослая поликлиника"),
        ("Поликлиника детская", "Детская поликлиника"),
        (
            "Стоматологическая поликлиника взрослая",
            "Стоматология для взрослых",
        ),
        (
            "Стоматологическая поликлиника детская",
            "Детская стоматология",
        ),
        ("Женская консультация", "Женская консультация"),
        (
            "Кожно-венерологическая служба",
            "Дерматология и венерология",
        ),
        ("Медицинский центр", "Медицинский центр"),
        ("Прочее", "Другие"),
        ("Поликлиника", "Взрослая поликлиника"),
        ("Детская поликлиника", "Детская поликлиника"),
        ("Стоматология", "Стоматология"),
        ("Женская консультация", "Женская консультация"),
        ("Больница", "Больница"),
        ("Психиатрия", "Психиатрия"),
        ("Детская психиатрия", "Детская психиатрия"),
        ("Дерматология и венерология", "Дерматология и венерология"),
        ("Наркология", "Наркология"),
        ("Онкоцентр", "Онкология"),
        ("Фтизиатрия", "Фтизиатрия"),
    ];

    fn labels_of(lang: Lang, list: &[Clinic]) -> Vec<String> {
        kinds(list).iter().map(|k| kind_label(lang, k)).collect()
    }
}
