//! «Ждать талон»: the form of a new watch (or of an existing one's window and flags). For whom — the
//! person the booking is for, one tap to another; when — a preset or a typed window; auto-book; moving a
//! later visit earlier (only when the person has one); the limits; «Готово».

use chrono::NaiveDate;

use crate::bot::booking::person::active_child;
use crate::bot::booking::state::{Flow, Here};
use crate::bot::ctx::{today, Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::{button, Screen};
use crate::bot::state::State;
use crate::domain::watch_window::WatchWindow;
use crate::i18n::{escape_html, Lang};
use crate::registry::within_deadline;
use crate::store::{AddWatch, Appointment, NewWatch, WatchLabels, WatchPlan, MAX_WATCHES};
use crate::t;

use super::labels::{limits_line, person_name, what_label, window_label};
use super::{cb, target, Cb, Form};

/// The preset windows, in the order of their buttons.
pub const PRESETS: u8 = 4;

fn preset(n: u8, today: NaiveDate) -> Option<WatchWindow> {
    Some(match n {
        0 => WatchWindow::any(),
        1 => WatchWindow::after_school(),
        2 => WatchWindow::workdays(),
        3 => WatchWindow::within_days(today, 14),
        _ => return None,
    })
}

fn preset_label(lang: Lang, n: u8) -> String {
    match n {
        0 => t!(lang, "watch-btn-preset-any"),
        1 => t!(lang, "watch-btn-preset-after-school"),
        2 => t!(lang, "watch-btn-preset-workdays"),
        _ => t!(lang, "watch-btn-preset-two-weeks"),
    }
}

fn ticked(on: bool, label: String) -> String {
    if on {
        format!("✓ {label}")
    } else {
        label
    }
}

/// The form for the booking step on display: for the person the booking is for, with their watch of
/// this target as it is when they have one.
pub(super) async fn open(ctx: &Ctx, who: &Who, flow: &Flow) -> anyhow::Result<Reply> {
    let Some((specialty, doctor)) = target(&flow.step) else {
        return Ok(Reply::stale());
    };
    let child_id = active_child(ctx, who.user_id).await?;
    let mut form = Form {
        clinic: flow.clinic,
        specialty,
        doctor,
        editing: None,
        child_id,
        window: WatchWindow::any(),
        auto_book: false,
        rebook_earlier: false,
        typing: false,
        back: Some(Box::new(flow.clone())),
    };
    prefill(ctx, who, &mut form).await?;
    show(ctx, who, form, None).await
}

/// The person's own watch of the form's target, if live, gives the form its plan.
async fn prefill(ctx: &Ctx, who: &Who, form: &mut Form) -> anyhow::Result<()> {
    if let Some(watch) = live_watch(ctx, who, form, form.child_id).await? {
        form.window = watch.plan.window;
        form.auto_book = watch.plan.auto_book;
        form.rebook_earlier = watch.plan.rebook_earlier;
    }
    Ok(())
}

/// The form of the user's watch `id`: its window and flags to change.
pub(super) async fn edit(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Option<Form>> {
    let Some(watch) = ctx.store.watch(who.user_id, id).await? else {
        return Ok(None);
    };
    Ok(Some(Form {
        clinic: watch.target.lpu_id,
        specialty: crate::bot::booking::state::Choice {
            id: watch.target.specialty_id.clone(),
            name: watch.target.labels.specialty.clone(),
        },
        doctor: watch
            .target
            .doctor_id
            .clone()
            .map(|id| crate::bot::booking::state::Choice {
                id,
                name: watch.target.labels.doctor.clone(),
            }),
        editing: Some(watch.id),
        child_id: watch.plan.child_id,
        window: watch.plan.window,
        auto_book: watch.plan.auto_book,
        rebook_earlier: watch.plan.rebook_earlier,
        typing: false,
        back: None,
    }))
}

/// The person's upcoming visit to what the form watches (the doctor; for a specialty, that specialty at
/// the clinic), the one an earlier slot could replace.
async fn later_visit(ctx: &Ctx, who: &Who, form: &Form) -> anyhow::Result<Option<Appointment>> {
    let now = ctx.clock.now().timestamp();
    let visits = ctx.store.upcoming_appointments(who.user_id, now).await?;
    Ok(visits.into_iter().find(|visit| {
        visit.booking.child_id == form.child_id
            && visit.booking.lpu_id == form.clinic
            && match &form.doctor {
                Some(doctor) => visit.booking.doctor_id.as_deref() == Some(doctor.id.as_str()),
                None => {
                    visit.booking.details.specialty.trim().to_lowercase()
                        == form.specialty.name.trim().to_lowercase()
                }
            }
    }))
}

/// The form on screen, with `notice` above it.
pub(super) async fn show(
    ctx: &Ctx,
    who: &Who,
    form: Form,
    notice: Option<String>,
) -> anyhow::Result<Reply> {
    let screen = screen(ctx, who, &form, notice).await?;
    Ok(Reply::show(State::WatchForm(Box::new(form)), screen))
}

async fn screen(
    ctx: &Ctx,
    who: &Who,
    form: &Form,
    notice: Option<String>,
) -> anyhow::Result<Screen> {
    let later = later_visit(ctx, who, form).await?;
    let mut lines = Vec::new();
    if let Some(notice) = notice {
        lines.extend([notice, String::new()]);
    }
    lines.extend(body(ctx, who, form, later.as_ref()).await?);
    let screen = Screen::new(ctx, who.lang, lines.join("\n"));
    keyboard(ctx, who, form, later.is_some(), screen).await
}

/// What the form says: what, for whom, when, auto-book (and whether it can), the later visit, the limits.
async fn body(
    ctx: &Ctx,
    who: &Who,
    form: &Form,
    later: Option<&Appointment>,
) -> anyhow::Result<Vec<String>> {
    let lang = who.lang;
    let person = person_name(&ctx.store, lang, who.user_id, form.child_id).await?;
    // «вас» for the user, the child's name otherwise.
    let me = if form.child_id.is_none() { "yes" } else { "no" };
    let mut lines = vec![
        match form.editing {
            Some(_) => t!(lang, "watch-form-edit-title"),
            None => t!(lang, "watch-form-title"),
        },
        what_label(lang, &labels_of(form)),
        t!(lang, "watch-form-for", person = person.clone()),
        t!(
            lang,
            "watch-form-window",
            window = window_label(lang, &form.window)
        ),
        String::new(),
    ];
    lines.push(match form.auto_book {
        true => t!(lang, "watch-form-auto-on", person = person.clone(), me = me),
        false => t!(lang, "watch-form-auto-off"),
    });
    if form.auto_book && !can_book(ctx, who.user_id).await? {
        lines.push(match ctx.settings.esia.is_on() {
            true => t!(lang, "watch-form-auto-cannot"),
            false => t!(lang, "watch-form-auto-cannot-me"),
        });
    }
    if let Some(visit) = later {
        let now = ctx.clock.now().timestamp();
        let when = crate::bot::visit::local_when(
            lang,
            visit.booking.visit_at,
            ctx.settings.region_tz,
            now,
        );
        let (person, me) = (person.clone(), me);
        lines.push(match form.rebook_earlier {
            true => t!(
                lang,
                "watch-form-rebook-on",
                person = person,
                me = me,
                when = when
            ),
            false => t!(
                lang,
                "watch-form-rebook-off",
                person = person,
                me = me,
                when = when
            ),
        });
    }
    lines.extend([String::new(), limits_line(ctx, who).await?]);
    if form.typing {
        lines.extend([String::new(), t!(lang, "watch-form-type")]);
    }
    Ok(lines)
}

/// Whether the account can book by itself (Gosuslugi linked and confirmed, or its own data typed).
async fn can_book(ctx: &Ctx, user_id: i64) -> anyhow::Result<bool> {
    Ok(crate::bot::booking::gosuslugi_person(ctx, user_id)
        .await?
        .is_some_and(|identity| identity.trusted))
}

/// The form's buttons: for whom (a new watch only), the presets, «Своё окно», the toggles, «Готово».
async fn keyboard(
    ctx: &Ctx,
    who: &Who,
    form: &Form,
    has_later: bool,
    mut screen: Screen,
) -> anyhow::Result<Screen> {
    let lang = who.lang;
    if form.editing.is_none() {
        for row in person_buttons(ctx, who, form).await?.chunks(3) {
            screen = screen.row(row.to_vec());
        }
    }
    let today = today(ctx);
    let presets: Vec<_> = (0..PRESETS)
        .map(|n| {
            let on = preset(n, today).as_ref() == Some(&form.window);
            button(ticked(on, preset_label(lang, n)), cb(Cb::Preset(n)))
        })
        .collect();
    for pair in presets.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    screen = screen.row(vec![button(t!(lang, "watch-btn-typed"), cb(Cb::Typed))]);
    let auto = match form.auto_book {
        true => t!(lang, "watch-btn-auto-on"),
        false => t!(lang, "watch-btn-auto-off"),
    };
    screen = screen.row(vec![button(auto, cb(Cb::FormAuto))]);
    if has_later {
        let rebook = match form.rebook_earlier {
            true => t!(lang, "watch-btn-rebook-on"),
            false => t!(lang, "watch-btn-rebook-off"),
        };
        screen = screen.row(vec![button(rebook, cb(Cb::FormRebook))]);
    }
    Ok(screen.row(vec![
        button(t!(lang, "watch-btn-done"), cb(Cb::Done)),
        button(t!(lang, "watch-btn-back"), cb(Cb::Cancel)),
    ]))
}

/// «✓ Я», «Иванова М. И.» …: one tap to watch for another person. At the limit, only the people who wait
/// here already (whose watch «Готово» renews): another one's could only fail.
async fn person_buttons(
    ctx: &Ctx,
    who: &Who,
    form: &Form,
) -> anyhow::Result<Vec<teloxide::types::InlineKeyboardButton>> {
    let lang = who.lang;
    let mut people = vec![(None, t!(lang, "watch-btn-for-me"))];
    for child in ctx.store.children(who.user_id).await? {
        people.push((Some(child.id), child.full_name().short()));
    }
    let full = ctx.store.watches_left(who.user_id).await? == 0;
    let mut row = Vec::new();
    for (child_id, name) in people {
        let here = || live_watch(ctx, who, form, child_id);
        if full && child_id != form.child_id && here().await?.is_none() {
            continue;
        }
        let tap = Cb::For(child_id.unwrap_or(0));
        row.push(button(ticked(form.child_id == child_id, name), cb(tap)));
    }
    Ok(row)
}

/// The person's live watch of the form's target.
async fn live_watch(
    ctx: &Ctx,
    who: &Who,
    form: &Form,
    child_id: Option<i64>,
) -> anyhow::Result<Option<crate::store::Watch>> {
    let doctor_id = form.doctor.as_ref().map(|d| d.id.as_str());
    let (clinic, specialty) = (form.clinic, &form.specialty.id);
    Ok(ctx
        .store
        .person_watch(who.user_id, child_id, clinic, specialty, doctor_id)
        .await?
        .filter(|w| w.status.is_live()))
}

fn labels_of(form: &Form) -> WatchLabels {
    WatchLabels {
        clinic: String::new(),
        specialty: form.specialty.name.clone(),
        doctor: form
            .doctor
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
    }
}

/// A form button; stale unless the form is on screen.
pub(super) async fn on_tap(ctx: &Ctx, who: &Who, state: &State, tap: Cb) -> anyhow::Result<Reply> {
    let State::WatchForm(form) = state else {
        return Ok(Reply::stale());
    };
    let mut form = (**form).clone();
    form.typing = false;
    match tap {
        Cb::For(_) if form.editing.is_some() => return Ok(Reply::stale()),
        Cb::For(0) => form.child_id = None,
        Cb::For(child) => match ctx.store.child(who.user_id, child).await? {
            Some(child) => form.child_id = Some(child.id),
            None => return Ok(Reply::stale()),
        },
        Cb::Preset(n) => match preset(n, today(ctx)) {
            Some(window) => form.window = window,
            None => return Ok(Reply::stale()),
        },
        Cb::Typed => form.typing = true,
        Cb::FormAuto => form.auto_book = !form.auto_book,
        Cb::FormRebook => form.rebook_earlier = !form.rebook_earlier,
        Cb::Done => return done(ctx, who, form).await,
        Cb::Cancel => return Ok(cancel(form)),
        _ => return Ok(Reply::stale()),
    }
    show(ctx, who, form, None).await
}

fn cancel(form: Form) -> Reply {
    match form.back {
        Some(flow) => Reply::go(State::Booking(Here::Flow(flow))),
        None => Reply::go(State::Watches),
    }
}

/// Typed text while the form is on screen: the window. A window that cannot be read keeps the form and
/// says why, with an example.
pub async fn on_text(
    ctx: &Ctx,
    who: &Who,
    form: Form,
    text: Option<&str>,
) -> anyhow::Result<Reply> {
    let mut form = form;
    match WatchWindow::parse(text.unwrap_or_default(), today(ctx)) {
        Ok(window) => {
            form.window = window;
            form.typing = false;
            let said = t!(
                who.lang,
                "watch-window-set",
                window = window_label(who.lang, &form.window)
            );
            show(ctx, who, form, Some(said)).await
        }
        Err(err) => {
            let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> = err
                .args()
                .into_iter()
                .map(|(name, value)| (name, fluent_bundle::FluentValue::from(escape_html(&value))))
                .collect();
            let said = crate::i18n::format(who.lang, err.key(), &args);
            form.typing = true;
            show(ctx, who, form, Some(format!("⚠️ {said}"))).await
        }
    }
}

/// Gives `watch` a new window and flags; a paused watch stays paused (the store's edit resumes it).
pub(super) async fn edit_watch(
    ctx: &Ctx,
    watch: &crate::store::Watch,
    window: &WatchWindow,
    auto_book: bool,
    rebook: bool,
    now: i64,
) -> anyhow::Result<bool> {
    let (user, id) = (watch.target.user_id, watch.id);
    let changed = ctx
        .store
        .edit_watch(user, id, window, auto_book, rebook, now)
        .await?;
    if changed && watch.status == crate::store::WatchStatus::Paused {
        ctx.store.pause_watch(user, id, true, now).await?;
    }
    Ok(changed)
}

/// «Готово»: the watch started (or renewed), or changed; back where the form was opened from.
async fn done(ctx: &Ctx, who: &Who, form: Form) -> anyhow::Result<Reply> {
    let lang = who.lang;
    let now = ctx.clock.now().timestamp();
    let rebook = form.rebook_earlier && later_visit(ctx, who, &form).await?.is_some();
    if let Some(id) = form.editing {
        let changed = match ctx.store.watch(who.user_id, id).await? {
            Some(watch) => {
                edit_watch(ctx, &watch, &form.window, form.auto_book, rebook, now).await?
            }
            None => false,
        };
        let said = match changed {
            true => t!(lang, "watch-changed"),
            false => t!(lang, "watch-gone"),
        };
        tracing::info!(user = %crate::telemetry::user_tag(who.user_id), changed, "watch: edited");
        return Ok(Reply::go(State::Watches).toast(said));
    }
    // The clinic's name is only a label: without it the watch still works.
    let clinic = within_deadline(ctx.registry.clinic(form.clinic))
        .await
        .map(|c| c.display_name().to_owned())
        .unwrap_or_default();
    let new = NewWatch {
        user_id: who.user_id,
        lpu_id: form.clinic,
        specialty_id: form.specialty.id.clone(),
        doctor_id: form.doctor.as_ref().map(|d| d.id.clone()),
        labels: WatchLabels {
            clinic,
            ..labels_of(&form)
        },
    };
    let plan = WatchPlan {
        child_id: form.child_id,
        window: form.window.clone(),
        auto_book: form.auto_book,
        rebook_earlier: rebook,
    };
    let interval = ctx.settings.watch_interval.as_secs() as i64;
    match ctx.store.add_watch_for(&new, &plan, interval, now).await? {
        AddWatch::TooMany => {
            let said = t!(lang, "watch-too-many", max = MAX_WATCHES);
            Ok(show(ctx, who, form, None).await?.alert(said))
        }
        AddWatch::Added(_) | AddWatch::Renewed(_) => {
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), clinic = form.clinic, auto_book = form.auto_book, "watch: started");
            let person = person_name(&ctx.store, lang, who.user_id, form.child_id).await?;
            let me = if form.child_id.is_none() { "yes" } else { "no" };
            let said = t!(lang, "watch-started", person = person, me = me);
            Ok(cancel(form).toast(said))
        }
    }
}

/// The form's screen for [`crate::bot::render`].
pub async fn render(ctx: &Ctx, who: &Who, form: Form) -> anyhow::Result<(State, Screen)> {
    let screen = screen(ctx, who, &form, None).await?;
    Ok((State::WatchForm(Box::new(form)), screen))
}
