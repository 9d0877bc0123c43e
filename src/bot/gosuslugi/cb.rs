//! The «Госуслуги» journey's buttons (`gu:<code>`). A leaf: it knows no journey.

use crate::bot::codes::FixedCodes;

/// The journey's buttons.
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
pub const DEMO_PERSON_CODES: [&str; 4] = ["dp0", "dp1", "dp2", "dp3"];

impl Cb {
    /// What the bot's button data starts with for this journey.
    pub const PREFIX: &'static str = "gu:";
}

impl FixedCodes for Cb {
    const ALL: &'static [Cb] = &[
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

    /// The data after [`Cb::PREFIX`].
    fn code(self) -> &'static str {
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
}
