//! «Мои ожидания»: the user's watches grouped by person (the user first, then each child), each with what
//! it waits for, its window, auto-book and status; a watch's card changes, pauses or stops it.

use crate::bot::booking::cb::Cb as BookingCb;
use crate::bot::callback::Cb as AnyCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::{button, Screen};
use crate::bot::state::State;
use crate::i18n::{escape_html, Lang};
use crate::store::{Watch, WatchStatus};
use crate::t;

use super::labels::{limits_line, person_name, status_label, what_label, window_label};
use super::{cb, form, Cb};

/// «Врач: …, Терапевт · Поликлиника № 1» (the clinic when its name is known).
fn what_at(lang: Lang, watch: &Watch) -> String {
    let what = what_label(lang, &watch.target.labels);
    match watch.target.labels.clinic.trim() {
        "" => what,
        clinic => format!("{what} · {}", escape_html(clinic)),
    }
}

/// A watch in the list: what, where, window, auto-book, status.
fn item(ctx: &Ctx, lang: Lang, n: usize, watch: &Watch) -> String {
    let auto = match watch.plan.auto_book {
        true => t!(lang, "watch-list-auto-on"),
        false => t!(lang, "watch-list-auto-off"),
    };
    t!(
        lang,
        "watch-list-item",
        n = n,
        what = what_at(lang, watch),
        window = window_label(lang, &watch.plan.window),
        auto = auto,
        status = status_label(lang, watch, ctx.settings.region_tz)
    )
}

/// The user's watches, the user's own first, then each child's (in the order the children were added),
/// numbered in that order.
async fn grouped(ctx: &Ctx, who: &Who) -> anyhow::Result<Vec<(Option<i64>, Vec<Watch>)>> {
    let watches = ctx.store.watches(who.user_id).await?;
    let mut people: Vec<Option<i64>> = vec![None];
    people.extend(
        ctx.store
            .children(who.user_id)
            .await?
            .iter()
            .map(|c| Some(c.id)),
    );
    for watch in &watches {
        if !people.contains(&watch.plan.child_id) {
            people.push(watch.plan.child_id);
        }
    }
    Ok(people
        .into_iter()
        .map(|person| {
            let own: Vec<Watch> = watches
                .iter()
                .filter(|w| w.plan.child_id == person)
                .cloned()
                .collect();
            (person, own)
        })
        .filter(|(_, own)| !own.is_empty())
        .collect())
}

/// «Мои ожидания»: the watches by person, a numbered button for each one's card.
pub async fn list_screen(ctx: &Ctx, who: &Who, notice: Option<String>) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let groups = grouped(ctx, who).await?;
    let mut lines = Vec::new();
    if let Some(notice) = notice {
        lines.extend([notice, String::new()]);
    }
    lines.push(t!(lang, "watch-list-title"));
    let mut buttons = Vec::new();
    for (person, watches) in &groups {
        let name = person_name(&ctx.store, lang, who.user_id, *person).await?;
        lines.extend([String::new(), t!(lang, "watch-list-person", person = name)]);
        for watch in watches {
            let n = buttons.len() + 1;
            lines.push(item(ctx, lang, n, watch));
            buttons.push(button(
                t!(lang, "watch-btn-card-n", n = n),
                cb(Cb::Card(watch.id)),
            ));
        }
    }
    lines.push(String::new());
    if buttons.is_empty() {
        lines.push(t!(lang, "watch-list-empty"));
    }
    lines.push(limits_line(ctx, who).await?);
    let mut screen = Screen::new(ctx, lang, lines.join("\n"));
    for row in buttons.chunks(5) {
        screen = screen.row(row.to_vec());
    }
    Ok(screen.row(vec![
        button(
            t!(lang, "watch-btn-appointments"),
            AnyCb::Booking(BookingCb::Appointments),
        ),
        button(t!(lang, "btn-menu"), AnyCb::Menu),
    ]))
}

/// A watch's card: everything the list says of it, and its buttons (an ended watch can only be removed,
/// or given a new window while there is room for it).
async fn card_screen(ctx: &Ctx, who: &Who, watch: &Watch) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let name = person_name(&ctx.store, lang, who.user_id, watch.plan.child_id).await?;
    let body = format!(
        "{}\n\n{}",
        t!(lang, "watch-list-person", person = name),
        item(ctx, lang, 1, watch).trim_start_matches("<b>1.</b> ")
    );
    let mut screen = Screen::new(ctx, lang, body);
    let stop = button(t!(lang, "watch-btn-stop"), cb(Cb::Stop(watch.id)));
    let edit = button(t!(lang, "watch-btn-edit"), cb(Cb::Edit(watch.id)));
    match watch.status {
        WatchStatus::Active | WatchStatus::Paused => {
            let auto = match watch.plan.auto_book {
                true => t!(lang, "watch-btn-auto-on"),
                false => t!(lang, "watch-btn-auto-off"),
            };
            let pause = match watch.status {
                WatchStatus::Paused => t!(lang, "watch-btn-resume"),
                _ => t!(lang, "watch-btn-pause"),
            };
            screen = screen
                .row(vec![edit, button(auto, cb(Cb::AutoBook(watch.id)))])
                .row(vec![button(pause, cb(Cb::Pause(watch.id))), stop]);
        }
        WatchStatus::Booking => screen = screen.row(vec![stop]),
        WatchStatus::Booked | WatchStatus::Expired => {
            let room = ctx.store.watches_left(who.user_id).await? > 0;
            screen = screen.row(if room { vec![edit, stop] } else { vec![stop] });
        }
    }
    Ok(screen.row(vec![
        button(t!(lang, "watch-btn-to-list"), cb(Cb::List)),
        button(t!(lang, "btn-menu"), AnyCb::Menu),
    ]))
}

/// The list again with `said` above it and as a toast.
async fn list_with(ctx: &Ctx, who: &Who, said: String) -> anyhow::Result<Reply> {
    let screen = list_screen(ctx, who, None).await?;
    Ok(Reply::show(State::Watches, screen).toast(said))
}

/// A button of the list or of a card.
pub(super) async fn on_tap(ctx: &Ctx, who: &Who, tap: Cb) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let id = match tap {
        Cb::List => return Ok(Reply::go(State::Watches)),
        Cb::Card(id) | Cb::Pause(id) | Cb::AutoBook(id) | Cb::Stop(id) | Cb::Edit(id) => id,
        _ => return Ok(Reply::stale()),
    };
    let Some(watch) = ctx.store.watch(who.user_id, id).await? else {
        return list_with(ctx, who, t!(lang, "watch-gone")).await;
    };
    let said = match tap {
        Cb::Stop(_) => {
            ctx.store.remove_watch(who.user_id, id).await?;
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "watch: stopped");
            return list_with(ctx, who, t!(lang, "watch-stopped")).await;
        }
        Cb::Edit(_) => {
            return match form::edit(ctx, who, id).await? {
                Some(form) => form::show(ctx, who, form, None).await,
                None => list_with(ctx, who, t!(lang, "watch-gone")).await,
            };
        }
        Cb::Pause(_) => {
            let pause = watch.status == WatchStatus::Active;
            if !ctx.store.pause_watch(who.user_id, id, pause, now).await? {
                return Ok(Reply::stale());
            }
            Some(match pause {
                true => t!(lang, "watch-paused"),
                false => t!(lang, "watch-resumed"),
            })
        }
        Cb::AutoBook(_) if watch.status.is_live() => {
            let on = !watch.plan.auto_book;
            let (window, rebook) = (&watch.plan.window, watch.plan.rebook_earlier);
            if !form::edit_watch(ctx, &watch, window, on, rebook, now).await? {
                return Ok(Reply::stay().toast(t!(lang, "watch-busy")));
            }
            Some(match on {
                true => t!(lang, "watch-auto-set-on"),
                false => t!(lang, "watch-auto-set-off"),
            })
        }
        _ => None,
    };
    let watch = ctx.store.watch(who.user_id, id).await?.unwrap_or(watch);
    let screen = card_screen(ctx, who, &watch).await?;
    let reply = Reply::show(State::Watches, screen);
    Ok(match said {
        Some(said) => reply.toast(said),
        None => reply,
    })
}
