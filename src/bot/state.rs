//! Where a chat is in the conversation ([`State`]), and how it is kept between updates.

use serde::{Deserialize, Serialize};
use teloxide::dispatching::dialogue::{Dialogue, ErasedStorage};

use crate::store::dialogue::RecoverableState;

use super::booking::state as booking;
use super::children::state::ChildrenState;
use super::clinics::state as clinics;
use super::gosuslugi::state as gosuslugi;
use super::me::state::MeState;

pub type BotDialogue = Dialogue<State, ErasedStorage<State>>;

/// Where a chat is in the conversation. Stored as JSON: a release that changes a variant makes old rows
/// fail to decode, and those users are reset to the menu with an apology instead of being stuck.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Nothing asked yet (or consent not given).
    #[default]
    Start,
    /// The main menu is on screen.
    Menu,
    /// Settings are on screen.
    Settings,
    /// «Удалить мои данные?» waits for a yes or no.
    ConfirmForget,
    /// «Мои дети»: the list, a card, the form of a child, the choice of the active person.
    Children(ChildrenState),
    /// Choosing a clinic: district → type → clinic → card.
    Clinics(clinics::Step),
    /// «Госуслуги»: the login button, the personal data card, or unlinking.
    Gosuslugi(gosuslugi::Step),
    /// «Мои данные» (`ESIA_URL=off`): the user's own data, or its form; `waiting` is a booking that waits
    /// for the data and comes back to its confirmation once it is saved.
    Me {
        here: MeState,
        waiting: Option<Box<booking::Flow>>,
    },
    /// Booking at a clinic, «Мои записи», or cancelling a visit.
    Booking(booking::Here),
    /// The list of slot watches («Ожидание талонов»).
    Watches,
    /// «Ждать талон»: a watch being set up or changed.
    WatchForm(Box<super::watch::state::Form>),
    /// The stored state could not be read; never stored itself.
    #[serde(skip)]
    Stale,
}

impl RecoverableState for State {
    fn stale() -> Self {
        State::Stale
    }

    fn is_stale(&self) -> bool {
        matches!(self, State::Stale)
    }
}

/// Stores the next state of the dialogue.
pub async fn save(dialogue: &BotDialogue, state: State) -> anyhow::Result<()> {
    dialogue.update(state).await.map_err(|e| anyhow::anyhow!(e))
}

/// Removes the dialogue: the next update starts from [`State::Start`].
pub async fn forget_dialogue(dialogue: &BotDialogue) -> anyhow::Result<()> {
    dialogue.exit().await.map_err(|e| anyhow::anyhow!(e))
}
