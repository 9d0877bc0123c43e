//! Slash commands: /start, /help, /cancel, /language, /privacy, /forget. They work from any state.

use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, ParseMode};
use teloxide::utils::command::BotCommands;

use crate::i18n::Lang;
use crate::t;

use super::{settings, start, BotDialogue, Ctx, HandlerResult, Who};

#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    Start,
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
    msg: Message,
    cmd: Command,
    ctx: Arc<Ctx>,
    who: Who,
    dialogue: BotDialogue,
) -> HandlerResult {
    let result = run_command(&bot, &msg, cmd, &ctx, &who, &dialogue).await;
    super::shell::polite(&bot, &who, None, result).await
}

async fn run_command(
    bot: &Bot,
    msg: &Message,
    cmd: Command,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    match cmd {
        Command::Start => start::start(bot, ctx, who, dialogue).await,
        Command::Help => {
            bot.send_message(msg.chat.id, t!(who.lang, "help"))
                .parse_mode(ParseMode::Html)
                .await?;
            Ok(())
        }
        Command::Cancel => start::cancel(bot, ctx, who, dialogue).await,
        Command::Language => settings::language_picker_message(bot, ctx, who).await,
        Command::Privacy => settings::privacy_message(bot, ctx, who).await,
        Command::Forget => settings::ask_forget(bot, None, ctx, who, dialogue).await,
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
