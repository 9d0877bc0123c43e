//! The watch form's part of the dialogue state: what is being watched, for whom, and how. A leaf.

use serde::{Deserialize, Serialize};

use crate::bot::booking::state::{Choice, Flow};
use crate::domain::watch_window::WatchWindow;

/// «Ждать талон»: a new watch being set up, or an existing one's window and flags being changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub clinic: i64,
    pub specialty: Choice,
    /// `None`: any doctor of the specialty.
    pub doctor: Option<Choice>,
    /// The watch being changed (its person and target stay).
    pub editing: Option<i64>,
    /// The child it is for; `None` for the user.
    pub child_id: Option<i64>,
    pub window: WatchWindow,
    pub auto_book: bool,
    pub rebook_earlier: bool,
    /// «Своё окно»: the next text is the window.
    pub typing: bool,
    /// The booking the form was opened from («Назад» goes there); `None`: from the list.
    pub back: Option<Box<Flow>>,
}
