//! A booking step drawn: the step's own screen (the days and times from [`super::days`], the rest from
//! [`super::screens`]), closed by who is booked, or the registry's failure with «Повторить».

use rand::Rng;

use crate::bot::ctx::{today, Ctx, Who};
use crate::bot::screen::Screen;

use super::cb::Cb;
use super::days::{days_screen, soonest_screen, times_screen};
use super::person::ForWhom;
use super::screens::{
    cb, confirm_screen, doctors_screen, need_gosuslugi_screen, not_found_screen,
    specialties_screen, Drawn, Failure, MAX_TOKEN,
};
use super::state::{Flow, Step};

/// The screen of `flow`'s step, refreshing `flow.keys` (and a confirmation's token).
pub(in crate::bot) async fn render(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    notice: Option<String>,
) -> anyhow::Result<Screen> {
    let drawn = draw(ctx, who, flow, notice).await;
    finish(ctx, who, flow, drawn).await
}

/// The step's own screen, without who is booked.
async fn draw(ctx: &Ctx, who: &Who, flow: &mut Flow, notice: Option<String>) -> Drawn {
    let lang = who.lang;
    match flow.step.clone() {
        Step::Specialties { page } => specialties_screen(ctx, lang, flow, page, notice).await,
        Step::Doctors { specialty, page } => {
            doctors_screen(ctx, who, flow, &specialty, page, notice).await
        }
        Step::Days {
            specialty,
            doctor,
            week,
        } => days_screen(ctx, who, flow, &specialty, &doctor, week, notice).await,
        Step::Soonest { specialty } => soonest_screen(ctx, who, flow, &specialty, notice).await,
        Step::Times {
            specialty,
            doctor,
            day,
        } => times_screen(ctx, who, flow, &specialty, &doctor, day, notice).await,
        Step::Confirm { .. } => draw_confirm(ctx, who, flow, notice).await,
        Step::NeedGosuslugi(_) => {
            flow.keys.clear();
            need_gosuslugi_screen(ctx, who, notice).await
        }
        Step::NotFound(_) => {
            flow.keys.clear();
            Ok(not_found_screen(ctx, lang))
        }
    }
}

/// The confirmation card, with a fresh token for «Подтвердить».
async fn draw_confirm(ctx: &Ctx, who: &Who, flow: &mut Flow, notice: Option<String>) -> Drawn {
    let Step::Confirm { chosen, .. } = flow.step.clone() else {
        return Ok(not_found_screen(ctx, who.lang));
    };
    let token = rand::thread_rng().gen_range(1..MAX_TOKEN);
    flow.step = Step::Confirm {
        chosen: chosen.clone(),
        token,
    };
    flow.keys.clear();
    confirm_screen(ctx, who, flow.clinic, &chosen, token, notice).await
}

/// A drawn screen closed by who is booked; a registry failure as its «Повторить» screen.
async fn finish(ctx: &Ctx, who: &Who, flow: &Flow, drawn: Drawn) -> anyhow::Result<Screen> {
    let lang = who.lang;
    match drawn {
        // Who is booked closes every screen of the journey, next to the buttons.
        Ok(mut screen) if !matches!(flow.step, Step::NeedGosuslugi(_) | Step::NotFound(_)) => {
            let person = ForWhom::active(ctx, who).await?.line(lang, today(ctx));
            screen.text = format!("{}\n\n{person}", screen.text);
            Ok(screen)
        }
        Ok(screen) => Ok(screen),
        Err(Failure::Registry(err)) => {
            crate::bot::screen::log_registry_error("booking", &err);
            Ok(crate::bot::screen::registry_failure(
                ctx,
                lang,
                &err,
                cb(Cb::Retry),
            ))
        }
        Err(Failure::Other(err)) => Err(err),
    }
}
