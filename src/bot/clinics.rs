//! Journey 4: «Записаться» → district → clinic type → clinics, paged → the clinic card (address, phone, a
//! map pin on request). One message is edited in place all the way; «Назад» returns to the previous list.
//!
//! Registry ids never go into button data: a district travels as an 8-character tag of its id (a hash), a
//! clinic type as the tag of its classified kind ([`ClinicKind::key`], so one button stands for every
//! spelling of the kind the registry uses), a clinic as its number, so data fits 64 bytes whatever the
//! registry's ids are. A button fits only the step it was shown on; any other tap is stale and re-shows the
//! current step.
//!
//! The booking journey starts from the card: see [`book_at_clinic`].

use serde::{Deserialize, Serialize};
use teloxide::prelude::*;

use crate::domain::ClinicKind;
use crate::i18n::{escape_html, Lang};
use crate::registry::within_deadline;
use crate::registry::{Clinic, District, OrEmpty, RegistryResult};
use crate::t;

use super::legacy::stale_button;
use super::screen::button;
use super::{save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};

/// Clinics on one page of the list.
pub const PAGE_SIZE: usize = 6;

// ---------------------------------------------------------------------------------------------------------
// Where the user is

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

// ---------------------------------------------------------------------------------------------------------
// Buttons

/// A short tag standing for a registry id (or a clinic kind's key) in button data: FNV-1a, 32 bits, in hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag(u32);

impl Tag {
    pub fn of(id: &str) -> Tag {
        let mut h: u32 = 0x811c_9dc5;
        for b in id.as_bytes() {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
        Tag(h)
    }

    fn encode(self) -> String {
        format!("{:08x}", self.0)
    }

    fn decode(raw: &str) -> Option<Tag> {
        if raw.len() != 8 {
            return None;
        }
        u32::from_str_radix(raw, 16).ok().map(Tag)
    }
}

/// The journey's button data, carried as `Cb::Clinics` with the prefix `cl:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cb {
    /// A district on the districts screen.
    District(Tag),
    /// A clinic type (district, the tag of the [`ClinicKind::key`]).
    Kind(Tag, Tag),
    /// A page of the list (district, type, page).
    Page(Tag, Tag, u32),
    /// A clinic in the list.
    Clinic(i64),
    BackToDistricts,
    BackToKinds,
    BackToList,
    /// «📍 На карте» on the card.
    Map,
    /// «Записаться» on the card: the booking journey's entry.
    Book,
    /// «Повторить» after the registry did not answer.
    Retry,
}

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::District(d) => format!("d:{}", d.encode()),
            Cb::Kind(d, k) => format!("k:{}:{}", d.encode(), k.encode()),
            Cb::Page(d, k, page) => format!("p:{}:{}:{page}", d.encode(), k.encode()),
            Cb::Clinic(id) => format!("c:{id}"),
            Cb::BackToDistricts => "bd".to_owned(),
            Cb::BackToKinds => "bk".to_owned(),
            Cb::BackToList => "bl".to_owned(),
            Cb::Map => "m".to_owned(),
            Cb::Book => "b".to_owned(),
            Cb::Retry => "r".to_owned(),
        }
    }

    pub fn decode(data: &str) -> Option<Cb> {
        let parts: Vec<&str> = data.split(':').collect();
        let cb = match parts.as_slice() {
            ["d", d] => Cb::District(Tag::decode(d)?),
            ["k", d, k] => Cb::Kind(Tag::decode(d)?, Tag::decode(k)?),
            ["p", d, k, page] => {
                let page: u32 = page.parse().ok().filter(|p| *p >= 1 && *p <= 9999)?;
                Cb::Page(Tag::decode(d)?, Tag::decode(k)?, page)
            }
            ["c", id] => Cb::Clinic(id.parse().ok()?),
            ["bd"] => Cb::BackToDistricts,
            ["bk"] => Cb::BackToKinds,
            ["bl"] => Cb::BackToList,
            ["m"] => Cb::Map,
            ["b"] => Cb::Book,
            ["r"] => Cb::Retry,
            _ => return None,
        };
        Some(cb)
    }

    /// Whether this button belongs to the screen of `step`.
    fn fits(&self, step: &Step) -> bool {
        match (self, step) {
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
}

fn cb(inner: Cb) -> super::Cb {
    super::Cb::Clinics(inner)
}

// ---------------------------------------------------------------------------------------------------------
// Entry and taps

/// «Записаться» in the main menu: the districts.
pub async fn start(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    go(bot, q, ctx, who, dialogue, Step::Districts).await
}

/// Every `cl:` button lands here.
pub async fn route(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    tap: Cb,
) -> HandlerResult {
    let State::Clinics(step) = state else {
        return stale_button(bot, q, ctx, who, dialogue, state).await;
    };
    if !tap.fits(step) {
        return stale_button(bot, q, ctx, who, dialogue, state).await;
    }
    match tap {
        Cb::Map => return send_map(bot, q, ctx, who, step).await,
        Cb::Book => return book_at_clinic(bot, q, ctx, who, dialogue, step).await,
        _ => {}
    }
    // Answer at once: the registry may take a while, and Telegram shows a spinner until then.
    bot.answer_callback_query(q.id.clone()).await?;
    let next = match next_step(ctx, step, tap).await {
        Ok(Some(next)) => next,
        // What the button named is no longer in the registry: show the step again, refreshed.
        Ok(None) => step.clone(),
        Err(err) => {
            super::screen::log_registry_error("clinics", &err);
            super::screen::registry_failure(ctx, who.lang, &err, cb(Cb::Retry))
                .replace(bot, q)
                .await?;
            return Ok(());
        }
    };
    go(bot, q, ctx, who, dialogue, next).await
}

/// Where a fitting tap leads; `None` when its target has vanished from the registry.
async fn next_step(ctx: &Ctx, step: &Step, tap: Cb) -> RegistryResult<Option<Step>> {
    let next = match (tap, step.clone()) {
        (Cb::Retry, step) => Some(step),
        (Cb::District(tag), _) => districts(ctx)
            .await?
            .into_iter()
            .find(|d| Tag::of(&d.id) == tag)
            .map(|d| Step::Kinds { district: d.id }),
        (Cb::Kind(_, tag), Step::Kinds { district }) => kinds(&clinics(ctx, &district).await?)
            .into_iter()
            .find(|kind| Tag::of(kind.key()) == tag)
            .map(|kind| Step::Clinics {
                district,
                kind,
                page: 1,
            }),
        (Cb::Page(_, _, page), Step::Clinics { district, kind, .. }) => Some(Step::Clinics {
            district,
            kind,
            page,
        }),
        (
            Cb::Clinic(id),
            Step::Clinics {
                district,
                kind,
                page,
            },
        ) => {
            let listed = clinics(ctx, &district)
                .await?
                .iter()
                .any(|c| c.id == id && kind_of(c) == kind);
            listed.then_some(Step::Card {
                district,
                kind,
                page,
                clinic: id,
            })
        }
        (Cb::BackToDistricts, _) => Some(Step::Districts),
        (Cb::BackToKinds, Step::Clinics { district, .. }) => Some(Step::Kinds { district }),
        (
            Cb::BackToList,
            Step::Card {
                district,
                kind,
                page,
                ..
            },
        ) => Some(Step::Clinics {
            district,
            kind,
            page,
        }),
        _ => None,
    };
    Ok(next)
}

/// Stores `step` and shows it in place of the tapped message.
async fn go(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    step: Step,
) -> HandlerResult {
    // Stored first: «Повторить» after a registry failure retries this very step.
    save(dialogue, State::Clinics(step.clone())).await?;
    render(ctx, who.lang, &step).await.replace(bot, q).await?;
    Ok(())
}

/// Shows the current step as a new message (after a stale tap or unexpected text).
pub async fn show_step(bot: &Bot, ctx: &Ctx, who: &Who, step: &Step) -> HandlerResult {
    render(ctx, who.lang, step)
        .await
        .send(bot, who.chat_id)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Screens, in the order the user meets them

/// The screen of a step, or the «временно недоступен» screen when the registry fails.
async fn render(ctx: &Ctx, lang: Lang, step: &Step) -> Screen {
    let screen = match step {
        Step::Districts => districts_screen(ctx, lang).await,
        Step::Kinds { district } => kinds_screen(ctx, lang, district).await,
        Step::Clinics {
            district,
            kind,
            page,
        } => list_screen(ctx, lang, district, kind, *page).await,
        Step::Card { clinic, .. } => card_screen(ctx, lang, *clinic).await,
    };
    screen.unwrap_or_else(|err| {
        super::screen::log_registry_error("clinics", &err);
        super::screen::registry_failure(ctx, lang, &err, cb(Cb::Retry))
    })
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
    Ok(screen.button(t!(lang, "btn-menu"), super::Cb::Menu))
}

async fn kinds_screen(ctx: &Ctx, lang: Lang, district: &str) -> RegistryResult<Screen> {
    let name = district_name(ctx, district).await?;
    let clinics = clinics(ctx, district).await?;
    let kinds = kinds(&clinics);
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
    let pages = listed.len().div_ceil(PAGE_SIZE) as u32;
    let page = page.clamp(1, pages);
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
    let start = (page as usize - 1) * PAGE_SIZE;
    for clinic in listed.iter().skip(start).take(PAGE_SIZE) {
        screen = screen.button(clinic.display_name().to_owned(), cb(Cb::Clinic(clinic.id)));
    }
    let (d, k) = (Tag::of(district), Tag::of(kind.key()));
    let pager = super::screen::pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::Page(d, k, to))))
        .collect();
    Ok(screen.row(pager).row(vec![back]))
}

async fn card_screen(ctx: &Ctx, lang: Lang, clinic_id: i64) -> RegistryResult<Screen> {
    let clinic = within_deadline(ctx.registry.clinic(clinic_id)).await?;
    let full_name = if clinic.full_name.is_empty() {
        clinic.display_name()
    } else {
        &clinic.full_name
    };
    let mut lines = vec![
        format!("<b>{}</b>", escape_html(full_name)),
        escape_html(&kind_label(lang, &kind_of(&clinic))),
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
    let mut first_row = Vec::new();
    if clinic.coordinates().is_some() {
        first_row.push(button(t!(lang, "clinics-btn-map"), cb(Cb::Map)));
    }
    first_row.push(button(t!(lang, "clinics-btn-book"), cb(Cb::Book)));
    Ok(Screen::new(ctx, lang, lines.join("\n"))
        .row(first_row)
        .button(t!(lang, "clinics-btn-back"), cb(Cb::BackToList)))
}

/// «📍 На карте»: the clinic as a venue (a map pin with its name and address).
async fn send_map(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    step: &Step,
) -> HandlerResult {
    let Step::Card { clinic, .. } = step else {
        return Ok(());
    };
    let clinic = match within_deadline(ctx.registry.clinic(*clinic)).await {
        Ok(clinic) => clinic,
        Err(err) => {
            super::screen::log_registry_error("clinics", &err);
            bot.answer_callback_query(q.id.clone())
                .text(t!(who.lang, "registry-unavailable"))
                .await?;
            return Ok(());
        }
    };
    let Some((latitude, longitude)) = clinic.coordinates() else {
        bot.answer_callback_query(q.id.clone())
            .text(t!(who.lang, "clinics-no-coordinates"))
            .await?;
        return Ok(());
    };
    bot.answer_callback_query(q.id.clone()).await?;
    bot.send_venue(
        who.chat_id,
        latitude,
        longitude,
        clinic.display_name().to_owned(),
        clinic.address.clone().unwrap_or_default(),
    )
    .await?;
    Ok(())
}

/// «Записаться» on the card: the booking journey (specialty → doctor → day → time) at this clinic.
pub async fn book_at_clinic(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    step: &Step,
) -> HandlerResult {
    let Step::Card { clinic, .. } = step else {
        let state = State::Clinics(step.clone());
        return stale_button(bot, q, ctx, who, dialogue, &state).await;
    };
    super::booking::start(bot, q, ctx, who, dialogue, *clinic).await
}

// ---------------------------------------------------------------------------------------------------------
// The registry, bounded in time

async fn districts(ctx: &Ctx) -> RegistryResult<Vec<District>> {
    within_deadline(ctx.registry.districts()).await.or_empty()
}

async fn district_name(ctx: &Ctx, district: &str) -> RegistryResult<String> {
    Ok(districts(ctx)
        .await?
        .into_iter()
        .find(|d| d.id == district)
        .map_or_else(|| district.to_owned(), |d| d.name))
}

/// The active clinics of a district.
async fn clinics(ctx: &Ctx, district: &str) -> RegistryResult<Vec<Clinic>> {
    let mut clinics = within_deadline(ctx.registry.clinics(district))
        .await
        .or_empty()?;
    clinics.retain(|c| c.is_active);
    Ok(clinics)
}

// ---------------------------------------------------------------------------------------------------------
// Clinic types

/// The kind of a clinic, classified from the registry's `lpuType` (see [`ClinicKind`]).
fn kind_of(clinic: &Clinic) -> ClinicKind {
    ClinicKind::classify(clinic.kind.as_deref())
}

/// The kinds present among `clinics`, each once, in [`ClinicKind`]'s order: adult polyclinics first,
/// unknown kinds last by name. Clinics whose values differ but mean the same kind are one kind.
fn kinds(clinics: &[Clinic]) -> Vec<ClinicKind> {
    let mut kinds: Vec<ClinicKind> = clinics.iter().map(kind_of).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// A kind's label in the user's language; an unknown kind as the registry wrote it.
fn kind_label(lang: Lang, kind: &ClinicKind) -> String {
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
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips};

    fn all() -> Vec<Cb> {
        let d = Tag::of(&"д".repeat(200));
        let k = Tag::of("Поликлиника взрослая");
        vec![
            Cb::District(d),
            Cb::Kind(d, k),
            Cb::Page(d, k, 1),
            Cb::Page(d, k, 9999),
            Cb::Clinic(i64::MIN),
            Cb::Clinic(i64::MAX),
            Cb::BackToDistricts,
            Cb::BackToKinds,
            Cb::BackToList,
            Cb::Map,
            Cb::Book,
            Cb::Retry,
        ]
    }

    #[test]
    fn every_button_round_trips_within_64_bytes_whatever_the_ids() {
        assert_round_trips(all().into_iter().map(cb));
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            Cb::decode,
            &[
                "",
                "d",
                "d:",
                "d:123",
                "d:zzzzzzzz",
                "k:00000000",
                "p:00000000:00000000:0",
                "p:00000000:00000000:x",
                "c:",
                "c:1.5",
                "bd:1",
                "x",
                "m:1",
                "🙂",
            ],
        );
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
        assert!(Cb::District(Tag::of("2")).fits(&Step::Districts));
        assert!(!Cb::District(Tag::of("2")).fits(&kinds));
        assert!(Cb::Kind(Tag::of("1"), Tag::of("x")).fits(&kinds));
        assert!(!Cb::Kind(Tag::of("2"), Tag::of("x")).fits(&kinds));
        assert!(Cb::Page(Tag::of("1"), Tag::of("@adult"), 3).fits(&list));
        assert!(!Cb::Page(Tag::of("1"), Tag::of("@children"), 3).fits(&list));
        assert!(!Cb::BackToList.fits(&list));
        assert!(Cb::Retry.fits(&list));
    }

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
        let list = [
            clinic(1, Some("Фтизиатрия")),
            clinic(2, Some("Санаторий")),
            clinic(3, Some("Детская психиатрия")),
            clinic(4, Some("Детская поликлиника")),
            clinic(5, None),
            clinic(6, Some("Архив")),
            clinic(7, Some("Женская консультация")),
            clinic(8, Some("Поликлиника")),
            clinic(9, Some("Поликлиника взрослая")),
        ];
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

    #[test]
    fn both_spellings_of_a_kind_are_one_button_with_one_tag() {
        let list = [
            clinic(1, Some("Поликлиника взрослая")),
            clinic(2, Some("Поликлиника")),
            clinic(3, Some("Детская психиатрия")),
        ];
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

    fn clinic(id: i64, kind: Option<&str>) -> Clinic {
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
