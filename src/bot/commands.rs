//! Slash commands: /start, /help, /cancel, /language, /privacy, /forget. They work from any state.

use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

use crate::i18n::Lang;
use crate::t;

use super::ctx::{Ctx, HandlerResult, Who};
use super::reply::Reply;
use super::shell;
use super::state::{BotDialogue, State};
use super::{settings, start};

#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// `/start`, or `/start <payload>` from a `t.me/<bot>?start=…` link.
    Start(String),
    Help,
    Cancel,
    Language,
    Privacy,
    Forget,
}

pub fn handler() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .filter_command::<Command>()
        .endpoint(on_command)
}

async fn on_command(
    bot: Bot,
    cmd: Command,
    ctx: Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
    state: State,
) -> HandlerResult {
    let reply = match &cmd {
        // A deep link opens its clinic, specialty or doctor (after consent; before it, the notice).
        Command::Start(payload) if who.consented => {
            match crate::domain::DeepLink::decode(payload.trim()) {
                Some(link) => super::booking::open_link(&ctx, &who, link).await,
                None => Ok(run_command(cmd, &ctx, &who, &state)),
            }
        }
        _ => Ok(run_command(cmd, &ctx, &who, &state)),
    };
    shell::reply_to(&bot, &ctx, &who, &dialogue, &state, None, reply).await
}

/// Every command works from any state.
fn run_command(cmd: Command, ctx: &Ctx, who: &Who, state: &State) -> Reply {
    match cmd {
        Command::Start(_) => start::start(who),
        Command::Help => Reply::stay().toast(t!(who.lang, "help")),
        Command::Cancel => start::cancel(who),
        Command::Language => settings::language_picker(ctx, who, state),
        Command::Privacy => settings::privacy(ctx, who, state),
        Command::Forget => Reply::go(State::ConfirmForget),
    }
}

/// The command list shown by Telegram clients, in the user's language.
pub fn command_list(lang: Lang) -> Vec<BotCommand> {
    vec![
        BotCommand::new("start", t!(lang, "cmd-start")),
        BotCommand::new("help", t!(lang, "cmd-help")),
        BotCommand::new("cancel", t!(lang, "cmd-cancel")),
        BotCommand::new("language", t!(lang, "cmd-language")),
        BotCommand::new("privacy", t!(lang, "cmd-privacy")),
        BotCommand::new("forget", t!(lang, "cmd-forget")),
    ]
}

/// Registers the command list for Russian (also the default) and English clients.
pub async fn register(bot: &Bot) -> anyhow::Result<()> {
    bot.set_my_commands(command_list(Lang::Ru)).await?;
    for lang in Lang::ALL {
        bot.set_my_commands(command_list(lang))
            .language_code(lang.code())
            .await?;
    }
    Ok(())
}
