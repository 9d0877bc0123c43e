//! Where the user is in the «Госуслуги» journey. A leaf.

use serde::{Deserialize, Serialize};

/// Where the user is in this journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// The login button, the card, or the not-confirmed explanation is on screen.
    Overview,
    /// «Отвязать Госуслуги?» waits for a yes or no.
    ConfirmUnlink,
}
