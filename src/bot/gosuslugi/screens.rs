//! The «Госуслуги» journey's screens: the login button, the personal-data card, the not-confirmed
//! explanation, unlinking, the demo's test persons, and the word after a login in the browser.

use teloxide::types::{InlineKeyboardButton, LoginUrl};

use crate::config::EsiaSettings;
use crate::domain::Relation;
use crate::esia::{EsiaKid, EsiaLink, Unread};
use crate::i18n::{escape_html, Lang};
use crate::t;

use crate::bot::callback::Cb as BotCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::screen::{button, Screen};

use super::cb::{Cb, DEMO_PERSON_CODES};
use super::LoginResult;

fn gu(cb: Cb) -> BotCb {
    BotCb::Gosuslugi(cb)
}

/// What «Госуслуги» shows: the login button, the card, or why the account cannot book yet.
pub async fn overview_screen(ctx: &Ctx, who: &Who) -> anyhow::Result<Screen> {
    match ctx.store.esia_link(who.user_id).await? {
        None => login_screen(ctx, who, None).await,
        Some(link) if link.trusted() => Ok(card_screen(ctx, who.lang, &link, None)),
        Some(link) => Ok(not_confirmed_screen(ctx, who.lang, &link, None)),
    }
}

/// The explanation and the button to ESIA's login page, with a fresh login.
pub async fn login_screen(ctx: &Ctx, who: &Who, header: Option<String>) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let body = with_header(header, t!(lang, "gu-login-text"));
    let screen = match login_button(ctx, who).await? {
        Some(login) => with_demo_login(ctx, lang, Screen::new(ctx, lang, body).row(vec![login])),
        None => Screen::new(ctx, lang, t!(lang, "gu-login-unavailable"))
            .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry)),
    };
    Ok(screen.button(t!(lang, "btn-menu"), BotCb::Menu))
}

/// «Войти через Госуслуги» for a fresh login (`{PUBLIC_URL}/esia/start?login=…`): a Telegram `login_url`
/// button on a public https domain (Telegram adds its signed login data, which binds the browser to this
/// user), a plain link elsewhere (the login is then confirmed with a one-time code typed here). `None`
/// (logged) when no URL can be made.
pub async fn login_button(ctx: &Ctx, who: &Who) -> anyhow::Result<Option<InlineKeyboardButton>> {
    let now = ctx.clock.now();
    let login = ctx
        .store
        .start_esia_login(who.user_id, who.lang, now.timestamp())
        .await?;
    let url = match ctx.esia.authorization_url(&login, now).await {
        Ok(url) => url,
        Err(err) => {
            // The details are for the operator; the user is told the login is unavailable.
            tracing::error!(error = %err, "cannot build the ESIA login URL");
            return Ok(None);
        }
    };
    let label = t!(who.lang, "gu-btn-login");
    Ok(Some(if ctx.esia.telegram_login_button() {
        InlineKeyboardButton::login(
            label,
            LoginUrl {
                url,
                forward_text: None,
                bot_username: None,
                request_write_access: None,
            },
        )
    } else {
        InlineKeyboardButton::url(label, url)
    }))
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
pub fn demo_login_screen(ctx: &Ctx, lang: Lang) -> Screen {
    let mut screen = Screen::new(ctx, lang, t!(lang, "gu-demo-title"));
    for (n, (_, name, about)) in crate::esia::demo::test_persons(lang)
        .into_iter()
        .take(DEMO_PERSON_CODES.len())
        .enumerate()
    {
        screen = screen.button(format!("{name} · {about}"), gu(Cb::DemoPerson(n as u8)));
    }
    screen.button(t!(lang, "btn-menu"), BotCb::Menu)
}

/// Demo only: the login in the chat failed; the test persons again on «Попробовать снова».
pub fn demo_login_failed_screen(ctx: &Ctx, lang: Lang) -> Screen {
    Screen::new(ctx, lang, t!(lang, "gu-login-unavailable"))
        .button(t!(lang, "gu-btn-retry"), gu(Cb::DemoLogin))
        .button(t!(lang, "btn-menu"), BotCb::Menu)
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
        t!(
            lang,
            "gu-card-name",
            name = escape_html(&link.person.full_name)
        ),
    ];
    if let Some(birth) = link.person.birth_date {
        lines.push(t!(lang, "gu-card-birth-date", date = birth.to_string()));
    }
    lines.push(t!(lang, "gu-card-level-confirmed"));
    lines.push(match &link.person.policy {
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
    lines.extend(link.kids.iter().map(|kid| kid_line(lang, kid)));
    Screen::new(ctx, lang, with_header(header, lines.join("\n")))
        .button(t!(lang, "gu-btn-unlink"), gu(Cb::UnlinkAsk))
        .button(t!(lang, "btn-menu"), BotCb::Menu)
}

/// A relative on the card: name, relation, date of birth, policy (masked).
fn kid_line(lang: Lang, kid: &EsiaKid) -> String {
    let relation = match kid.person.sex.map(Relation::from_sex) {
        // The domain's labels are capitalised for buttons; here the word is mid-sentence.
        Some(relation) => crate::i18n::format(lang, relation.key(), &[]).to_lowercase(),
        None => t!(lang, "gu-kid-child"),
    };
    let birth = kid
        .person
        .birth_date
        .map(|b| b.to_string())
        .unwrap_or_else(|| t!(lang, "gu-kid-no-birth-date"));
    let policy = match &kid.person.policy {
        Some(policy) => t!(lang, "gu-kid-policy", policy = policy.masked()),
        None => t!(lang, "gu-kid-policy-none"),
    };
    t!(
        lang,
        "gu-card-kid",
        name = escape_html(&kid.person.full_name),
        relation = relation,
        birth = birth,
        policy = policy
    )
}

/// Why a not-confirmed account cannot book, the three levels in the seed's words, and how to confirm.
fn not_confirmed_screen(ctx: &Ctx, lang: Lang, link: &EsiaLink, header: Option<String>) -> Screen {
    let mut body = t!(
        lang,
        "gu-not-confirmed",
        name = escape_html(&link.person.full_name)
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
        .button(t!(lang, "btn-menu"), BotCb::Menu)
}

pub fn unlink_screen(ctx: &Ctx, lang: Lang) -> Screen {
    Screen::new(ctx, lang, t!(lang, "gu-unlink-confirm")).row(vec![
        button(t!(lang, "gu-btn-unlink-yes"), gu(Cb::UnlinkYes)),
        button(t!(lang, "gu-btn-unlink-no"), gu(Cb::UnlinkNo)),
    ])
}

/// How the login in the browser ended, as the message [`super::announce`] sends.
pub fn announcement(ctx: &Ctx, lang: Lang, result: &LoginResult) -> Screen {
    let try_again = |key: &str| {
        Screen::new(ctx, lang, crate::i18n::format(lang, key, &[]))
            .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry))
            .button(t!(lang, "btn-menu"), BotCb::Menu)
    };
    match result {
        LoginResult::Linked(link) if link.trusted() => {
            card_screen(ctx, lang, link, Some(t!(lang, "gu-linked")))
        }
        LoginResult::Linked(link) => {
            not_confirmed_screen(ctx, lang, link, Some(t!(lang, "gu-linked-not-confirmed")))
        }
        LoginResult::Underage => Screen::new(ctx, lang, t!(lang, "gu-underage"))
            .button(t!(lang, "btn-menu"), BotCb::Menu),
        LoginResult::Cancelled => try_again("gu-cancelled"),
        LoginResult::Failed => try_again("gu-failed"),
    }
}

/// What a login could not read from Gosuslugi, with «Попробовать снова».
pub fn unread_screen(ctx: &Ctx, lang: Lang, unread: Unread) -> Screen {
    Screen::new(ctx, lang, unread_text(lang, unread))
        .button(t!(lang, "gu-btn-retry"), gu(Cb::Retry))
}

/// «Часть данных … прочитать не удалось: полис ОМС, …»: what `unread` flags, in a line.
pub fn unread_text(lang: Lang, unread: Unread) -> String {
    let what: Vec<String> = [
        (unread.policy, t!(lang, "esia-unread-policy")),
        (unread.kids, t!(lang, "esia-unread-kids")),
        (unread.kids_policies, t!(lang, "esia-unread-kids-policies")),
    ]
    .into_iter()
    .filter_map(|(missing, text)| missing.then_some(text))
    .collect();
    t!(lang, "esia-chat-unread", what = what.join(", "))
}
