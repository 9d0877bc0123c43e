//! Journey 2: «Госуслуги». Not linked: an explanation and the «Войти через Госуслуги» URL button (a fresh
//! single-use state each time). The login finishes on the HTTP side (`http/esia_callback.rs`), which calls
//! [`announce`] to tell the user the result here. Linked and confirmed: the «Личные данные» card with the
//! masked policy, insurer, attachment and relatives, and «Отвязать Госуслуги» with a confirmation. Linked but
//! not confirmed: the seed's three account levels, how to confirm, and «Попробовать снова».
//!
//! Other journeys ask [`booking_gate`]; booking reads the same rule through [`crate::visits::booking_identity`].

use serde::{Deserialize, Serialize};
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardButton;

use crate::config::EsiaSettings;
use crate::domain::{local_today, Relation};
use crate::esia::{BookingGate, EsiaLink};
use crate::i18n::{escape_html, Lang};
use crate::t;

use super::screen::button;
use super::{legacy, save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};

/// Where the user is in this journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The login button, the card, or the not-confirmed explanation is on screen.
    Overview,
    /// «Отвязать Госуслуги?» waits for a yes or no.
    ConfirmUnlink,
}

/// The journey's buttons (`gu:<code>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Попробовать снова»: a new login button with a fresh state.
    Retry,
    UnlinkAsk,
    UnlinkYes,
    UnlinkNo,
    /// Demo only: «Тестовый вход в чате», the test persons as buttons.
    DemoLogin,
    /// Demo only: log in as the n-th test person, without a browser.
    DemoPerson(u8),
}

/// The demo's test persons that have a button (the demo identity provider has four).
const DEMO_PERSON_CODES: [&str; 4] = ["dp0", "dp1", "dp2", "dp3"];

impl Cb {
    pub const ALL: [Cb; 9] = [
        Cb::Retry,
        Cb::UnlinkAsk,
        Cb::UnlinkYes,
        Cb::UnlinkNo,
        Cb::DemoLogin,
        Cb::DemoPerson(0),
        Cb::DemoPerson(1),
        Cb::DemoPerson(2),
        Cb::DemoPerson(3),
    ];

    pub fn code(self) -> &'static str {
        match self {
            Cb::Retry => "retry",
            Cb::UnlinkAsk => "unl",
            Cb::UnlinkYes => "unl-y",
            Cb::UnlinkNo => "unl-n",
            Cb::DemoLogin => "demo",
            Cb::DemoPerson(n) => DEMO_PERSON_CODES
                .get(usize::from(n))
                .copied()
                .unwrap_or("demo"),
        }
    }

    pub fn from_code(code: &str) -> Option<Cb> {
        Cb::ALL.into_iter().find(|cb| cb.code() == code)
    }
}

fn gu(cb: Cb) -> super::Cb {
    super::Cb::Gosuslugi(cb)
}

/// «Госуслуги» from the main menu.
pub async fn show(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Gosuslugi(Step::Overview)).await?;
    overview_screen(ctx, who).await?.replace(bot, q).await?;
    Ok(())
}

/// Every `gu:` button.
pub async fn route(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    state: &State,
    cb: Cb,
) -> HandlerResult {
    match cb {
        Cb::Retry => {
            bot.answer_callback_query(q.id.clone()).await?;
            save(dialogue, State::Gosuslugi(Step::Overview)).await?;
            login_screen(ctx, who, None).await?.replace(bot, q).await?;
        }
        Cb::UnlinkAsk => {
            bot.answer_callback_query(q.id.clone()).await?;
            if ctx.store.esia_link(who.user_id).await?.is_none() {
                save(dialogue, State::Gosuslugi(Step::Overview)).await?;
                login_screen(ctx, who, None).await?.replace(bot, q).await?;
                return Ok(());
            }
            save(dialogue, State::Gosuslugi(Step::ConfirmUnlink)).await?;
            unlink_screen(ctx, who.lang).replace(bot, q).await?;
        }
        Cb::UnlinkYes | Cb::UnlinkNo if *state != State::Gosuslugi(Step::ConfirmUnlink) => {
            legacy::stale_button(bot, q, ctx, who, dialogue, state).await?;
        }
        Cb::UnlinkYes => {
            ctx.store.delete_esia_link(who.user_id).await?;
            tracing::info!(user = who.user_id, "Gosuslugi account unlinked");
            bot.answer_callback_query(q.id.clone())
                .text(t!(who.lang, "gu-unlinked"))
                .await?;
            save(dialogue, State::Gosuslugi(Step::Overview)).await?;
            login_screen(ctx, who, Some(t!(who.lang, "gu-unlinked")))
                .await?
                .replace(bot, q)
                .await?;
        }
        Cb::UnlinkNo => {
            bot.answer_callback_query(q.id.clone()).await?;
            save(dialogue, State::Gosuslugi(Step::Overview)).await?;
            overview_screen(ctx, who).await?.replace(bot, q).await?;
        }
        // The dialogue is left as it is: a booking waiting for the login resumes after it.
        Cb::DemoLogin | Cb::DemoPerson(_) if ctx.settings.esia != EsiaSettings::Demo => {
            legacy::stale_button(bot, q, ctx, who, dialogue, state).await?;
        }
        Cb::DemoLogin => {
            bot.answer_callback_query(q.id.clone()).await?;
            demo_login_screen(ctx, who.lang).replace(bot, q).await?;
        }
        Cb::DemoPerson(n) => {
            let persons = crate::esia::demo::test_persons(who.lang);
            let Some((oid, name, _)) = persons.into_iter().nth(usize::from(n)) else {
                return legacy::stale_button(bot, q, ctx, who, dialogue, state).await;
            };
            bot.answer_callback_query(q.id.clone())
                .text(t!(who.lang, "gu-demo-wait"))
                .await?;
            match demo_login(ctx, who, oid).await {
                Ok(()) => {
                    let text = t!(who.lang, "gu-demo-done", name = escape_html(&name));
                    Screen::new(ctx, who.lang, text).replace(bot, q).await?;
                }
                Err(err) => {
                    tracing::error!(error = %err, "demo login in the chat failed");
                    Screen::new(ctx, who.lang, t!(who.lang, "gu-login-unavailable"))
                        .button(t!(who.lang, "gu-btn-retry"), gu(Cb::DemoLogin))
                        .button(t!(who.lang, "btn-menu"), super::Cb::Menu)
                        .replace(bot, q)
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// The step's screen again, as a new message (after a stale tap or unexpected text).
pub async fn show_step(bot: &Bot, ctx: &Ctx, who: &Who, step: Step) -> HandlerResult {
    let screen = match step {
        Step::Overview => overview_screen(ctx, who).await?,
        Step::ConfirmUnlink => unlink_screen(ctx, who.lang),
    };
    screen.send(bot, who.chat_id).await?;
    Ok(())
}

async fn overview_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    match ctx.store.esia_link(who.user_id).await? {
        None => login_screen(ctx, who, None).await,
        Some(link) if link.trusted() => Ok(card_screen(ctx, who.lang, &link, None)),
        Some(link) => Ok(not_confirmed_screen(ctx, who.lang, &link, None)),
    }
}

/// The explanation and the URL button to ESIA's login page, with a fresh state.
async fn login_screen(ctx: &Ctx, who: &Who, header: Option<String>) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let now = ctx.clock.now();
    let state = ctx
        .store
        .start_esia_login(who.user_id, lang, now.timestamp())
        .await?;
    let body = with_header(header, t!(lang, "gu-login-text"));
    let screen = match ctx.esia.authorization_url(&state, now).await {
        Ok(url) => with_demo_login(
            ctx,
            lang,
            Screen::new(ctx, lang, body).row(vec![InlineKeyboardButton::url(
                t!(lang, "gu-btn-login"),
                url,
            )]),
        ),
        Err(err) => {
            // The signer failed: say so plainly; the details are for the operator.
            tracing::error!(error = %err, "cannot build the ESIA login URL");
            Screen::new(ctx, lang, t!(lang, "gu-login-unavailable"))
                .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry))
        }
    };
    Ok(screen.button(t!(lang, "btn-menu"), super::Cb::Menu))
}

/// In the demo, «Тестовый вход в чате» under the login link, and a word on it: the link may be missing
/// (Telegram refuses links to this machine) or not open from a phone.
pub fn with_demo_login(ctx: &Ctx, lang: Lang, mut screen: Screen) -> Screen {
    if ctx.settings.esia != EsiaSettings::Demo {
        return screen;
    }
    screen.text = format!("{}\n\n{}", screen.text, t!(lang, "gu-demo-hint"));
    screen.button(t!(lang, "gu-btn-demo-login"), gu(Cb::DemoLogin))
}

/// Demo only: the test persons of the demo identity provider, to log in without leaving Telegram (a
/// PUBLIC_URL on this machine cannot be opened from a phone).
fn demo_login_screen(ctx: &Ctx, lang: Lang) -> Screen {
    let mut screen = Screen::new(ctx, lang, t!(lang, "gu-demo-title"));
    for (n, (_, name, about)) in crate::esia::demo::test_persons(lang)
        .into_iter()
        .take(DEMO_PERSON_CODES.len())
        .enumerate()
    {
        screen = screen.button(format!("{name} · {about}"), gu(Cb::DemoPerson(n as u8)));
    }
    screen.button(t!(lang, "btn-menu"), super::Cb::Menu)
}

/// Demo only: does what the browser does on the demo login page — asks for the page with a fresh
/// single-use state, picks the test person `oid`, follows the redirect to the bot's own `/esia/callback` —
/// through plain HTTP against the bot's server, so the login goes through exactly the code a browser's would
/// (the callback links the account, says so in the chat and resumes a booking that waited for it).
async fn demo_login(ctx: &Ctx, who: &Who, oid: u64) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let state = ctx
        .store
        .start_esia_login(who.user_id, who.lang, now.timestamp())
        .await?;
    let url = ctx.esia.authorization_url(&state, now).await?;
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("person".to_owned(), oid.to_string()));
    let mut page = url.clone();
    page.set_query(None);
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()?;
    let done = http
        .post(page)
        .header(reqwest::header::ACCEPT_LANGUAGE, who.lang.code())
        .form(&form)
        .send()
        .await?;
    anyhow::ensure!(
        done.status().is_success(),
        "the demo login ended with HTTP {}",
        done.status()
    );
    // The callback page answers 200 to a refused login too (it explains it to the person): look.
    anyhow::ensure!(
        ctx.store.esia_link(who.user_id).await?.is_some(),
        "the demo login linked nothing"
    );
    Ok(())
}

fn with_header(header: Option<String>, body: String) -> String {
    match header {
        Some(header) => format!("{header}\n\n{body}"),
        None => body,
    }
}

/// «Личные данные»: the person, their policy (masked), insurer, attachment and relatives.
fn card_screen(ctx: &Ctx, lang: Lang, link: &EsiaLink, header: Option<String>) -> Screen {
    let mut lines = vec![
        t!(lang, "gu-card-title"),
        t!(lang, "gu-card-name", name = escape_html(&link.full_name)),
    ];
    if let Some(birth) = link.birth_date {
        lines.push(t!(lang, "gu-card-birth-date", date = birth.to_string()));
    }
    lines.push(t!(lang, "gu-card-level-confirmed"));
    lines.push(match &link.policy {
        Some(policy) => t!(lang, "gu-card-policy", policy = policy.masked()),
        None => t!(lang, "gu-card-policy-none"),
    });
    if let Some(insurer) = &link.insurer {
        lines.push(t!(lang, "gu-card-insurer", insurer = escape_html(insurer)));
    }
    lines.push(match &link.attachment {
        Some(clinic) => t!(lang, "gu-card-attachment", clinic = escape_html(clinic)),
        None => t!(lang, "gu-card-attachment-unknown"),
    });
    lines.push(String::new());
    lines.push(t!(lang, "gu-card-relatives"));
    if link.kids.is_empty() {
        lines.push(t!(lang, "gu-card-no-relatives"));
    }
    for kid in &link.kids {
        let relation = match kid.sex.map(Relation::from_sex) {
            // The domain's labels are capitalised for buttons; here the word is mid-sentence.
            Some(relation) => crate::i18n::format(lang, relation.key(), &[]).to_lowercase(),
            None => t!(lang, "gu-kid-child"),
        };
        let birth = kid
            .birth_date
            .map(|b| b.to_string())
            .unwrap_or_else(|| t!(lang, "gu-kid-no-birth-date"));
        let policy = match &kid.policy {
            Some(policy) => t!(lang, "gu-kid-policy", policy = policy.masked()),
            None => t!(lang, "gu-kid-policy-none"),
        };
        lines.push(t!(
            lang,
            "gu-card-kid",
            name = escape_html(&kid.full_name),
            relation = relation,
            birth = birth,
            policy = policy
        ));
    }
    Screen::new(ctx, lang, with_header(header, lines.join("\n")))
        .button(t!(lang, "gu-btn-unlink"), gu(Cb::UnlinkAsk))
        .button(t!(lang, "btn-menu"), super::Cb::Menu)
}

/// Why a not-confirmed account cannot book, the three levels in the seed's words, and how to confirm.
fn not_confirmed_screen(ctx: &Ctx, lang: Lang, link: &EsiaLink, header: Option<String>) -> Screen {
    let mut body = t!(
        lang,
        "gu-not-confirmed",
        name = escape_html(&link.full_name)
    );
    if link.level == crate::esia::AccountLevel::Verifying {
        body.push_str("\n\n");
        body.push_str(&t!(lang, "gu-verifying"));
    }
    body.push_str("\n\n");
    body.push_str(&t!(lang, "gu-levels"));
    body.push_str("\n\n");
    body.push_str(&t!(lang, "gu-how-to-confirm"));
    Screen::new(ctx, lang, with_header(header, body))
        .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry))
        .button(t!(lang, "gu-btn-unlink"), gu(Cb::UnlinkAsk))
        .button(t!(lang, "btn-menu"), super::Cb::Menu)
}

fn underage_screen(ctx: &Ctx, lang: Lang) -> Screen {
    Screen::new(ctx, lang, t!(lang, "gu-underage")).button(t!(lang, "btn-menu"), super::Cb::Menu)
}

fn unlink_screen(ctx: &Ctx, lang: Lang) -> Screen {
    Screen::new(ctx, lang, t!(lang, "gu-unlink-confirm")).row(vec![
        button(t!(lang, "gu-btn-unlink-yes"), gu(Cb::UnlinkYes)),
        button(t!(lang, "gu-btn-unlink-no"), gu(Cb::UnlinkNo)),
    ])
}

/// How a login that came back through the callback ended, for [`announce`].
#[derive(Clone, Debug)]
pub enum LoginResult {
    Linked(EsiaLink),
    Underage,
    /// The user declined on ESIA's page.
    Cancelled,
    /// ESIA or the exchange failed; nothing was linked.
    Failed,
}

/// Tells the user in Telegram how the login in the browser ended. Called by the HTTP callback.
pub async fn announce(
    bot: &Bot,
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    result: &LoginResult,
) -> HandlerResult {
    let screen = match result {
        LoginResult::Linked(link) if link.trusted() => {
            card_screen(ctx, lang, link, Some(t!(lang, "gu-linked")))
        }
        LoginResult::Linked(link) => {
            not_confirmed_screen(ctx, lang, link, Some(t!(lang, "gu-linked-not-confirmed")))
        }
        LoginResult::Underage => underage_screen(ctx, lang),
        LoginResult::Cancelled => Screen::new(ctx, lang, t!(lang, "gu-cancelled"))
            .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry))
            .button(t!(lang, "btn-menu"), super::Cb::Menu),
        LoginResult::Failed => Screen::new(ctx, lang, t!(lang, "gu-failed"))
            .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry))
            .button(t!(lang, "btn-menu"), super::Cb::Menu),
    };
    screen.send(bot, ChatId(user_id)).await?;
    Ok(())
}

/// Whether the user may book now, by their Gosuslugi link (for the booking and children journeys).
pub async fn booking_gate(ctx: &Ctx, user_id: i64) -> anyhow::Result<BookingGate> {
    let link = ctx.store.esia_link(user_id).await?;
    let today = local_today(ctx.clock.now(), ctx.settings.region_tz);
    Ok(crate::esia::booking_gate(link, today))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips};

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        assert_round_trips(Cb::ALL.map(gu));
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            super::super::Cb::decode,
            &["gu", "gu:", "gu:nope", "gu:unl:x", "gu:RETRY"],
        );
    }
}
