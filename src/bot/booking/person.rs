//! Who is booked: the line every booking screen starts with («👤 Для: Мария, 10 лет»), the age rules of
//! the confirmation (a clinic or a specialty that does not fit the age on the visit day, turning 14 by
//! then), and the buttons that change the person on the confirmation card without starting over.

use chrono::NaiveDate;
use teloxide::types::InlineKeyboardButton;

use crate::bot::callback::Cb as AnyCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::screen::button;
use crate::domain::{
    fourteen_notice, specialty_audience, AgeFit, BirthDate, ClinicKind, FourteenNotice, VisitFit,
};
use crate::i18n::{escape_html, Lang};
use crate::store::ActivePerson;
use crate::t;

use super::cb::Cb;
use super::identity::gosuslugi_person;

/// The person a booking is for, as the screens name them.
pub(in crate::bot) struct ForWhom {
    /// The child's id; `None` for the account holder.
    pub child: Option<i64>,
    /// The first name; `None` for the account holder without a known name.
    pub first_name: Option<String>,
    pub birth: Option<BirthDate>,
}

impl ForWhom {
    pub async fn active(ctx: &Ctx, who: &Who) -> anyhow::Result<ForWhom> {
        Ok(match ctx.store.active_person(who.user_id).await? {
            ActivePerson::Child(child) => ForWhom {
                child: Some(child.id),
                first_name: Some(child.full_name().name().to_owned()),
                birth: Some(child.birth_date()),
            },
            ActivePerson::Me => {
                let me = gosuslugi_person(ctx, who.user_id).await?;
                ForWhom {
                    child: None,
                    first_name: None,
                    birth: me.and_then(|identity| identity.birth_date),
                }
            }
        })
    }

    /// «Мария, 10 лет» or «вы, 41 год» (the age left out when unknown).
    pub fn label(&self, lang: Lang, today: NaiveDate) -> String {
        let name = match &self.first_name {
            Some(name) => escape_html(name),
            None => t!(lang, "booking-for-me"),
        };
        match self.birth {
            Some(birth) => t!(
                lang,
                "booking-for-aged",
                name = name,
                age = birth.age_on(today)
            ),
            None => name,
        }
    }

    /// The first line of every booking screen.
    pub fn line(&self, lang: Lang, today: NaiveDate) -> String {
        t!(lang, "booking-for-line", person = self.label(lang, today))
    }
}

/// The child the user books for now; `None` for themselves.
pub(in crate::bot) async fn active_child(ctx: &Ctx, user_id: i64) -> anyhow::Result<Option<i64>> {
    Ok(match ctx.store.active_person(user_id).await? {
        ActivePerson::Child(child) => Some(child.id),
        ActivePerson::Me => None,
    })
}

/// What the confirmation card says about the person's age, and whether booking needs an explicit «да».
pub(in crate::bot) struct AgeCheck {
    pub warnings: Vec<String>,
    pub mismatch: bool,
}

/// The age rules for `person` at a clinic of `kind` (the registry's `lpuType`) in `specialty`, on `visit`.
pub(in crate::bot) fn age_check(
    lang: Lang,
    person: &ForWhom,
    kind: Option<&str>,
    specialty: &str,
    today: NaiveDate,
    visit: NaiveDate,
) -> AgeCheck {
    let Some(birth) = person.birth else {
        return AgeCheck {
            warnings: Vec::new(),
            mismatch: false,
        };
    };
    let name = person.label(lang, visit);
    let fit = VisitFit::of(
        birth,
        visit,
        ClinicKind::classify(kind).audience(),
        specialty_audience(specialty),
    );
    // A mismatch is one warning, naming the person.
    let warning = match fit.mismatch() {
        Some(AgeFit::ChildAtAdults) => Some(t!(lang, "booking-age-child-at-adults", person = name)),
        Some(AgeFit::AdultAtChildren) => {
            Some(t!(lang, "booking-age-adult-at-children", person = name))
        }
        Some(AgeFit::Fits) | None => None,
    };
    let mismatch = warning.is_some();
    let mut warnings: Vec<String> = warning.into_iter().collect();
    if person.child.is_some() {
        match fourteen_notice(birth, today, visit) {
            Some(FourteenNotice::TurnsBeforeVisit { birthday }) => warnings.push(t!(
                lang,
                "booking-turns-14",
                date = birthday.format("%d.%m.%Y").to_string()
            )),
            Some(FourteenNotice::AlreadyFourteen) => warnings.push(t!(lang, "booking-already-14")),
            None => {}
        }
    }
    AgeCheck { warnings, mismatch }
}

/// The buttons that book the same time for someone else: «Для: Я», «Для: Пётр».
pub(in crate::bot) async fn other_people(
    ctx: &Ctx,
    who: &Who,
    current: &ForWhom,
) -> anyhow::Result<Vec<InlineKeyboardButton>> {
    let lang = who.lang;
    let mut buttons = Vec::new();
    if current.child.is_some() {
        buttons.push(button(
            t!(lang, "booking-btn-for", person = t!(lang, "person-me")),
            AnyCb::Booking(Cb::Person(None)),
        ));
    }
    for child in ctx.store.children(who.user_id).await? {
        if Some(child.id) != current.child {
            buttons.push(button(
                t!(
                    lang,
                    "booking-btn-for",
                    person = child.full_name().name().to_owned()
                ),
                AnyCb::Booking(Cb::Person(Some(child.id))),
            ));
        }
    }
    Ok(buttons)
}
