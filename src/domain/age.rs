//! Age rules of booking: who a clinic or a specialty is for, whether a person fits it on the day of the
//! visit, and what changes for a child who turns 14 by then.
//!
//! Ages are full years on a given date ([`BirthDate::age_on`]); every rule takes its dates explicitly, so
//! the rules read the same in tests and in the bot. Under 18 a person belongs to children's medicine
//! (children's polyclinics, pediatric specialties); from 14 a child books through their own Gosuslugi
//! account («Зарегистрироваться на Едином портале государственных услуг можно гражданам с 14 лет»), so a
//! parent booking a child who is 14 by the visit is told so before confirming.

use chrono::{Datelike, NaiveDate};

use super::birth_date::{BirthDate, ChildBirthDate};

/// From this age a person is seen by adults' medicine.
pub const ADULT_AGE: u32 = 18;
/// From this age a person books through their own Gosuslugi account.
pub const OWN_ACCOUNT_AGE: u32 = ChildBirthDate::AGE_LIMIT;

/// Whom a clinic or a specialty receives, by age.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Under 18 only: children's polyclinics, pediatricians, «Детский хирург».
    Children,
    /// 18 and over only: adults' polyclinics, therapists.
    Adults,
    /// Anyone, or the registry does not say.
    Everyone,
}

/// Whether a person of some age belongs where they are about to be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeFit {
    Fits,
    /// Under 18, at a place for adults.
    ChildAtAdults,
    /// 18 or over, at a place for children.
    AdultAtChildren,
}

impl Audience {
    /// Whether a person who is `age` full years old belongs here.
    pub fn fit(self, age: u32) -> AgeFit {
        match self {
            Audience::Adults if age < ADULT_AGE => AgeFit::ChildAtAdults,
            Audience::Children if age >= ADULT_AGE => AgeFit::AdultAtChildren,
            Audience::Adults | Audience::Children | Audience::Everyone => AgeFit::Fits,
        }
    }

    /// The order for a person of `age`: what is meant for their age first (0), then what is for everyone
    /// (1), then what is not for them (2). Sorting by it is stable, so each group keeps its own order.
    pub fn rank(self, age: u32) -> u8 {
        match (self, self.fit(age)) {
            (_, AgeFit::ChildAtAdults | AgeFit::AdultAtChildren) => 2,
            (Audience::Everyone, AgeFit::Fits) => 1,
            (Audience::Children | Audience::Adults, AgeFit::Fits) => 0,
        }
    }
}

/// Word stems that make a specialty a children's one: «Педиатр», «Педиатр участковый», «Детский хирург»,
/// «Стоматолог детский», «Психиатр детский», «Неонатолог».
const CHILDREN_STEMS: &[&str] = &["педиатр", "детск", "неонатолог", "подростков"];
/// Word stems that make a specialty an adults' one: «Терапевт», «Терапевт участковый», «Гериатр».
/// «Стоматолог-терапевт» is one too: children see «Стоматолог детский».
const ADULT_STEMS: &[&str] = &["терапевт", "гериатр", "взросл"];

/// Whom a specialty receives, by the words of its name as the registry writes it. A name that says
/// nothing of age is for everyone.
pub fn specialty_audience(name: &str) -> Audience {
    audience_of_words(name, CHILDREN_STEMS, ADULT_STEMS)
}

/// The audience named by the words of `text`: a word starting with one of `children` or `adults` (case
/// and «ё» ignored); both or neither say nothing.
pub(super) fn audience_of_words(text: &str, children: &[&str], adults: &[&str]) -> Audience {
    let lower = text.to_lowercase().replace('ё', "е");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let says = |stems: &[&str]| words.iter().any(|w| stems.iter().any(|s| w.starts_with(s)));
    match (says(children), says(adults)) {
        (true, false) => Audience::Children,
        (false, true) => Audience::Adults,
        _ => Audience::Everyone,
    }
}

/// What a booking for a child is told about turning 14.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FourteenNotice {
    /// Under 14 today and 14 on the visit day: the birthday falls on `birthday`, on or before the visit.
    TurnsBeforeVisit { birthday: NaiveDate },
    /// Already 14 or older today.
    AlreadyFourteen,
}

/// What changes at 14 for a child booked by a parent for `visit`, as of `today`; `None` while the child
/// is still under 14 on the visit day.
pub fn fourteen_notice(
    birth: BirthDate,
    today: NaiveDate,
    visit: NaiveDate,
) -> Option<FourteenNotice> {
    if birth.age_on(visit) < OWN_ACCOUNT_AGE {
        return None;
    }
    if birth.age_on(today) >= OWN_ACCOUNT_AGE {
        return Some(FourteenNotice::AlreadyFourteen);
    }
    Some(FourteenNotice::TurnsBeforeVisit {
        birthday: birthday_at(birth, OWN_ACCOUNT_AGE),
    })
}

/// The day a person born on `birth` turns `age`: a 29 February birthday falls on 1 March in a year
/// without one, as [`BirthDate::age_on`] counts it.
pub fn birthday_at(birth: BirthDate, age: u32) -> NaiveDate {
    let born = birth.date();
    let year = born.year() + i32::try_from(age).unwrap_or(i32::MAX - born.year());
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(born)
}

/// What the rules say of one booking: the person's age on the visit day, and how the clinic and the
/// specialty fit it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitFit {
    pub age: u32,
    pub clinic: AgeFit,
    pub specialty: AgeFit,
}

impl VisitFit {
    /// The fit of a person born on `birth` at a clinic for `clinic` in a specialty for `specialty`, on
    /// the visit day `visit`.
    pub fn of(
        birth: BirthDate,
        visit: NaiveDate,
        clinic: Audience,
        specialty: Audience,
    ) -> VisitFit {
        let age = birth.age_on(visit);
        VisitFit {
            age,
            clinic: clinic.fit(age),
            specialty: specialty.fit(age),
        }
    }

    /// The mismatch to show before confirming, if any: the clinic's first, as it decides the specialty.
    pub fn mismatch(&self) -> Option<AgeFit> {
        [self.clinic, self.specialty]
            .into_iter()
            .find(|fit| *fit != AgeFit::Fits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn born(y: i32, m: u32, d: u32) -> BirthDate {
        BirthDate::try_from(date(y, m, d)).unwrap()
    }

    #[test]
    fn every_audience_fits_every_age_by_the_18_year_line() {
        for age in 0..=100 {
            let child = age < 18;
            let expected_adults = if child {
                AgeFit::ChildAtAdults
            } else {
                AgeFit::Fits
            };
            let expected_children = if child {
                AgeFit::Fits
            } else {
                AgeFit::AdultAtChildren
            };
            assert_eq!(Audience::Adults.fit(age), expected_adults, "{age}");
            assert_eq!(Audience::Children.fit(age), expected_children, "{age}");
            assert_eq!(Audience::Everyone.fit(age), AgeFit::Fits, "{age}");
        }
    }

    #[test]
    fn what_is_meant_for_the_age_comes_first_and_the_mismatch_last() {
        assert_eq!(Audience::Children.rank(10), 0);
        assert_eq!(Audience::Everyone.rank(10), 1);
        assert_eq!(Audience::Adults.rank(10), 2);
        assert_eq!(Audience::Adults.rank(35), 0);
        assert_eq!(Audience::Everyone.rank(35), 1);
        assert_eq!(Audience::Children.rank(35), 2);
        assert_eq!(Audience::Children.rank(17), 0);
        assert_eq!(Audience::Children.rank(18), 2);
        let mut names = vec![
            "Терапевт",
            "Офтальмолог",
            "Педиатр",
            "Детский хирург",
            "Хирург",
        ];
        names.sort_by_key(|n| specialty_audience(n).rank(10));
        assert_eq!(
            names,
            [
                "Педиатр",
                "Детский хирург",
                "Офтальмолог",
                "Хирург",
                "Терапевт"
            ]
        );
    }

    #[test]
    fn specialties_say_their_audience_by_their_words() {
        let cases = [
            ("Педиатр", Audience::Children),
            ("Педиатр участковый", Audience::Children),
            ("ПЕДИАТР", Audience::Children),
            ("Врач-педиатр", Audience::Children),
            ("Детский хирург", Audience::Children),
            ("Стоматолог детский", Audience::Children),
            ("Психиатр детский", Audience::Children),
            ("Детский эндокринолог", Audience::Children),
            ("Неонатолог", Audience::Children),
            ("Терапевт", Audience::Adults),
            ("Терапевт участковый", Audience::Adults),
            ("Врач-терапевт", Audience::Adults),
            ("Стоматолог-терапевт", Audience::Adults),
            ("Гериатр", Audience::Adults),
            ("Хирург", Audience::Everyone),
            ("Офтальмолог", Audience::Everyone),
            ("Оториноларинголог", Audience::Everyone),
            ("Акушер-гинеколог", Audience::Everyone),
            ("Психотерапевт", Audience::Everyone),
            ("Врач УЗИ", Audience::Everyone),
            ("Медицинский психолог", Audience::Everyone),
            ("", Audience::Everyone),
            // A name that says both says nothing.
            ("Терапевт детский и взрослый", Audience::Everyone),
        ];
        for (name, audience) in cases {
            assert_eq!(specialty_audience(name), audience, "{name}");
        }
    }

    #[test]
    fn a_ten_year_old_at_an_adult_therapist_is_a_mismatch_and_so_is_a_mother_at_a_pediatrician() {
        let visit = date(2026, 12, 1);
        // Someone born on `birth` at a clinic for `clinic`, with a doctor of `specialty`, on the visit day.
        let fit = |birth, clinic, specialty| {
            VisitFit::of(birth, visit, clinic, specialty_audience(specialty))
        };
        let girl = fit(born(2016, 5, 10), Audience::Adults, "Терапевт");
        assert_eq!(girl.age, 10);
        assert_eq!(girl.mismatch(), Some(AgeFit::ChildAtAdults));
        let mother = fit(born(1990, 1, 1), Audience::Children, "Педиатр");
        assert_eq!(mother.mismatch(), Some(AgeFit::AdultAtChildren));
        // A children's ophthalmologist at a children's clinic fits the girl; an adult at a clinic for
        // everyone fits too.
        let fits = fit(born(2016, 5, 10), Audience::Children, "Офтальмолог");
        assert_eq!(fits.mismatch(), None);
        // A pediatrician at a hospital (for everyone) is still a children's specialty.
        let at_hospital = fit(born(1990, 1, 1), Audience::Everyone, "Педиатр");
        assert_eq!(at_hospital.mismatch(), Some(AgeFit::AdultAtChildren));
        assert_eq!(at_hospital.clinic, AgeFit::Fits);
    }

    #[test]
    fn the_age_that_counts_is_the_age_on_the_visit_day() {
        let born = born(2008, 12, 1);
        // 17 today, 18 on the visit day: an adult there.
        let on = |visit| VisitFit::of(born, visit, Audience::Adults, Audience::Everyone);
        assert_eq!(
            on(date(2026, 11, 30)).mismatch(),
            Some(AgeFit::ChildAtAdults)
        );
        assert_eq!(on(date(2026, 12, 1)).mismatch(), None);
        assert_eq!(on(date(2026, 12, 1)).age, 18);
    }

    #[test]
    fn turning_14_on_or_before_the_visit_is_told_with_the_birthday() {
        let girl = born(2012, 12, 10);
        let today = date(2026, 11, 20);
        assert_eq!(fourteen_notice(girl, today, date(2026, 12, 9)), None);
        assert_eq!(
            fourteen_notice(girl, today, date(2026, 12, 10)),
            Some(FourteenNotice::TurnsBeforeVisit {
                birthday: date(2026, 12, 10)
            })
        );
        assert_eq!(
            fourteen_notice(girl, today, date(2026, 12, 20)),
            Some(FourteenNotice::TurnsBeforeVisit {
                birthday: date(2026, 12, 10)
            })
        );
        // 14 already today.
        assert_eq!(
            fourteen_notice(girl, date(2026, 12, 10), date(2026, 12, 20)),
            Some(FourteenNotice::AlreadyFourteen)
        );
        assert_eq!(
            fourteen_notice(born(2020, 1, 1), today, date(2026, 12, 20)),
            None
        );
    }

    #[test]
    fn a_leap_day_child_turns_14_on_the_first_of_march() {
        let leap = born(2012, 2, 29);
        assert_eq!(birthday_at(leap, 14), date(2026, 3, 1));
        assert_eq!(birthday_at(leap, 16), date(2028, 2, 29));
        assert_eq!(
            fourteen_notice(leap, date(2026, 2, 20), date(2026, 2, 28)),
            None
        );
        assert_eq!(
            fourteen_notice(leap, date(2026, 2, 20), date(2026, 3, 1)),
            Some(FourteenNotice::TurnsBeforeVisit {
                birthday: date(2026, 3, 1)
            })
        );
        // The birthday the notice names is the day age_on counts 14 from.
        assert_eq!(leap.age_on(birthday_at(leap, 14)), 14);
        assert_eq!(leap.age_on(birthday_at(leap, 14).pred_opt().unwrap()), 13);
    }

    #[test]
    fn every_day_around_the_14th_birthday_gives_the_right_notice() {
        let child = born(2012, 6, 15);
        let birthday = date(2026, 6, 15);
        let today = date(2026, 6, 1);
        for offset in -20..=20 {
            let visit = birthday + chrono::Duration::days(offset);
            let notice = fourteen_notice(child, today, visit);
            if offset < 0 {
                assert_eq!(notice, None, "{visit}");
            } else {
                assert_eq!(
                    notice,
                    Some(FourteenNotice::TurnsBeforeVisit { birthday }),
                    "{visit}"
                );
            }
        }
    }
}
