//! What a journey answers to a tap or a text: a [`Reply`]. The journey decides; the shell
//! ([`super::shell::deliver`]) does the Telegram part — answers the button, stores the state, edits or sends
//! the screen, attaches files and map pins — so no journey calls another journey's handler: moving on is
//! returning the other journey's [`State`].

use super::screen::Screen;
use super::state::State;
use crate::i18n::Lang;
use crate::t;

/// What the user sees next.
#[derive(Debug)]
pub enum Next {
    /// Store `State` and show this screen (in place of the tapped message, or as a new message after text).
    Show(State, Screen),
    /// Store `State` and show its own screen, as [`super::render`] draws it.
    Go(State),
    /// Show this screen and leave the stored state as it is: something else (a login's callback, say) may
    /// have moved the dialogue meanwhile.
    Edit(Screen),
    /// Nothing changes on screen (the notice and the extras, if any, are all there is).
    Stay,
    /// The button does not fit where the user is: «кнопка устарела», and the step the user is at, again.
    Stale,
}

/// A short word about what happened, before the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// For a tap: the small toast Telegram shows on top of the chat. After text: a line of its own.
    Toast(String),
    /// For a tap: a dialog the user closes. After text: a line of its own.
    Alert(String),
}

impl Notice {
    pub fn text(&self) -> &str {
        match self {
            Notice::Toast(text) | Notice::Alert(text) => text,
        }
    }
}

/// Sent after the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Extra {
    /// A file: a visit's `.ics`, say.
    Document {
        name: String,
        bytes: Vec<u8>,
        caption: Option<String>,
    },
    /// A screen of its own, as a new message (a notice that came up on the way).
    Message(Screen),
    /// A map pin: a clinic's place.
    Venue {
        latitude: f64,
        longitude: f64,
        title: String,
        address: String,
    },
}

/// A journey's answer: a notice, what to show next, and what to attach.
#[derive(Debug)]
#[must_use = "a reply does nothing until the shell delivers it"]
pub struct Reply {
    pub notice: Option<Notice>,
    pub next: Next,
    pub extras: Vec<Extra>,
    /// The screen matters more than the state: it is shown even when the state cannot be stored (a
    /// booking's outcome, say — the user must learn that the clinic has it).
    pub must_show: bool,
}

impl Reply {
    pub fn new(next: Next) -> Self {
        Self {
            notice: None,
            next,
            extras: Vec::new(),
            must_show: false,
        }
    }

    /// Store `state` and show `screen`.
    pub fn show(state: State, screen: Screen) -> Self {
        Self::new(Next::Show(state, screen))
    }

    /// Store `state` and show its screen.
    pub fn go(state: State) -> Self {
        Self::new(Next::Go(state))
    }

    /// Nothing changes on screen.
    pub fn stay() -> Self {
        Self::new(Next::Stay)
    }

    /// Text at a step answered with buttons: one short line; the buttons stay where they are (no screen
    /// again).
    pub fn buttons_only(lang: Lang) -> Self {
        Self::stay().toast(t!(lang, "use-buttons"))
    }

    /// The button is stale: say so and show where the user is.
    pub fn stale() -> Self {
        Self::new(Next::Stale)
    }

    /// With a toast (a tap) or a line before the screen (text).
    pub fn toast(mut self, text: String) -> Self {
        self.notice = Some(Notice::Toast(text));
        self
    }

    /// With a dialog the user closes (a tap) or a line before the screen (text).
    pub fn alert(mut self, text: String) -> Self {
        self.notice = Some(Notice::Alert(text));
        self
    }

    /// Shown even when the state cannot be stored.
    pub fn must_show(mut self) -> Self {
        self.must_show = true;
        self
    }

    /// With a file or a pin after the screen.
    pub fn with(mut self, extra: Extra) -> Self {
        self.extras.push(extra);
        self
    }
}
