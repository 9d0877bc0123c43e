//! «Добавить из Госуслуг»: the seam to the ESIA link (which children the account lists), and a form
//! filled from what it says.

use crate::bot::ctx::{Ctx, ImportSource, ImportableChild};
use crate::domain::{
    BirthDate, ChildBirthDate, FullName, OldPolicyNumber, PolicyNumber, PolicySeries, Relation,
};
use crate::store::Child;

use super::state::{Form, PolicyChoice, Problem, Step};

/// The children the user's Gosuslugi account lists, in its order.
pub async fn importable_children(ctx: &Ctx, user_id: i64) -> anyhow::Result<Vec<ImportableChild>> {
    match &ctx.children_import {
        ImportSource::Fixed(kids) => Ok(kids.clone()),
        // The `/kids` list of the linked account, as stored at the last login.
        ImportSource::Gosuslugi => Ok(ctx
            .store
            .esia_link(user_id)
            .await?
            .map(|link| link.kids)
            .unwrap_or_default()
            .into_iter()
            .map(|kid| ImportableChild {
                full_name: Some(kid.person.full_name),
                birth_date: kid.person.birth_date.map(|d| d.to_string()),
                sex: kid.person.sex,
                policy_series: kid
                    .person
                    .policy
                    .as_ref()
                    .and_then(|p| p.series().map(str::to_owned)),
                policy_number: kid.person.policy.as_ref().map(|p| p.number().to_owned()),
            })
            .collect()),
    }
}

/// The importable children not added yet (same name and date of birth), with their index in the list.
pub async fn fresh_importable(
    ctx: &Ctx,
    user_id: i64,
    children: &[Child],
) -> anyhow::Result<Vec<(usize, ImportableChild)>> {
    let kids = importable_children(ctx, user_id).await?;
    Ok(kids
        .into_iter()
        .enumerate()
        .filter(|(_, kid)| !already_added(kid, children))
        // Button data carries the index as a small number.
        .take(usize::from(u8::MAX))
        .collect())
}

fn already_added(kid: &ImportableChild, children: &[Child]) -> bool {
    let name = kid
        .full_name
        .as_deref()
        .and_then(|n| FullName::parse(n).ok());
    let date = kid
        .birth_date
        .as_deref()
        .and_then(|d| BirthDate::from_esia(d).ok());
    children
        .iter()
        .any(|c| Some(c.full_name()) == name.as_ref() && Some(c.birth_date()) == date)
}

/// A value that came and is not blank.
fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

/// Fills a form from Gosuslugi's data. Returns the problem of the first question still to answer, if its
/// value came but did not pass.
pub fn prefill(kid: &ImportableChild, today: chrono::NaiveDate) -> (Form, Option<Problem>) {
    let mut form = Form::adding();
    let mut problems: Vec<(Step, Problem)> = Vec::new();

    if let Some(name) = filled(&kid.full_name) {
        match FullName::parse(name) {
            Ok(name) => form.full_name = Some(name),
            Err(e) => problems.push((Step::Name, (e.key(), e.args()))),
        }
    }
    if let Some(date) = filled(&kid.birth_date) {
        match ChildBirthDate::parse(date, today) {
            Ok(date) => form.birth_date = Some(date.birth_date()),
            Err(e) => problems.push((Step::BirthDate, (e.key(), e.args()))),
        }
    }
    if let Some(sex) = kid.sex {
        form.sex = Some(sex);
        form.relation = Some(Relation::from_sex(sex));
    }
    prefill_policy(kid, &mut form, &mut problems);
    let step = form.first_missing().unwrap_or(Step::Summary);
    form.go(step);
    let problem = problems
        .into_iter()
        .find(|(at, _)| *at == step)
        .map(|(_, problem)| problem);
    (form, problem)
}

/// The policy: an old one with its series (and its number, if it passes), or a new one's number.
fn prefill_policy(kid: &ImportableChild, form: &mut Form, problems: &mut Vec<(Step, Problem)>) {
    match (filled(&kid.policy_series), filled(&kid.policy_number)) {
        (Some(series), number) => {
            form.policy_kind = Some(PolicyChoice::Old);
            let series = match PolicySeries::parse(series) {
                Ok(series) => series,
                Err(e) => return problems.push((Step::Series, (e.key(), e.args()))),
            };
            if let Some(number) = number {
                match OldPolicyNumber::parse(number) {
                    Ok(number) => form.policy = Some(PolicyNumber::old(series.clone(), number)),
                    Err(e) => problems.push((Step::Number, (e.key(), e.args()))),
                }
            }
            form.series = Some(series);
        }
        (None, Some(number)) => {
            form.policy_kind = Some(PolicyChoice::New);
            // ESIA may hold a temporary certificate (9 digits) as well as a new policy.
            match PolicyNumber::parse_any(None, number) {
                Ok(policy) => form.policy = Some(policy),
                Err(e) => problems.push((Step::Number, (e.key(), e.args()))),
            }
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sex;

    /// A child as Gosuslugi lists them, without a policy.
    fn kid(full_name: &str, birth_date: &str, sex: Sex) -> ImportableChild {
        ImportableChild {
            full_name: Some(full_name.into()),
            birth_date: Some(birth_date.into()),
            sex: Some(sex),
            policy_series: None,
            policy_number: None,
        }
    }

    #[test]
    fn gosuslugi_data_fills_the_form_and_the_first_gap_is_asked() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap();
        let full = ImportableChild {
            policy_number: Some("8451999122899990".into()),
            ..kid("ИВАНОВА мария ивановна", "01.12.2015", Sex::Female)
        };
        let (form, problem) = prefill(&full, today);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(problem, None);
        assert_eq!(form.relation, Some(Relation::Daughter));
        assert_eq!(form.full_name.unwrap().full(), "Иванова Мария Ивановна");

        let no_policy = ImportableChild {
            policy_number: None,
            ..full.clone()
        };
        let (form, problem) = prefill(&no_policy, today);
        assert_eq!((form.step, problem), (Step::PolicyKind, None));

        let bad_number = ImportableChild {
            policy_number: Some("1234567890123453".into()),
            ..full.clone()
        };
        let (form, problem) = prefill(&bad_number, today);
        assert_eq!(form.step, Step::Number);
        assert_eq!(problem.unwrap().0, "err-policy-bad-check-digit");

        let old = ImportableChild {
            policy_series: Some("еаа".into()),
            policy_number: Some("1234567890".into()),
            ..full.clone()
        };
        let (form, _) = prefill(&old, today);
        assert_eq!(form.step, Step::Summary);
        assert_eq!(form.policy.unwrap().to_string(), "ЕАА 1234567890");

        let teen = ImportableChild {
            birth_date: Some("01.01.2011".into()),
            sex: None,
            ..full
        };
        let (form, problem) = prefill(&teen, today);
        assert_eq!(form.step, Step::BirthDate);
        assert_eq!(problem.unwrap().0, "err-date-too-old-for-child");
        assert_eq!(form.sex, None);
    }

    #[test]
    fn a_bad_series_is_asked_again_and_its_number_waits() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 10).unwrap();
        let bad_series = ImportableChild {
            policy_series: Some("ЕА.А".into()),
            policy_number: Some("1234567890".into()),
            ..kid("Петров Пётр", "09.03.2019", Sex::Male)
        };
        let (form, problem) = prefill(&bad_series, today);
        assert_eq!(form.step, Step::Series);
        assert_eq!(form.policy_kind, Some(PolicyChoice::Old));
        assert_eq!((form.series, form.policy), (None, None));
        assert!(problem.is_some());
    }
}
