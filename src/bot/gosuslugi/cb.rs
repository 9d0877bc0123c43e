//! The «Госуслуги» journey's buttons (`gu:<code>`). A leaf: it knows no journey.

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

    /// The data after [`Cb::PREFIX`].
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

    /// The data after [`Cb::PREFIX`], read back.
    pub fn from_code(code: &str) -> Option<Cb> {
        Cb::ALL.into_iter().find(|cb| cb.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::codes::MAX_CALLBACK_BYTES;

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        for cb in Cb::ALL {
            let code = cb.code();
            assert!(
                Cb::PREFIX.len() + code.len() <= MAX_CALLBACK_BYTES,
                "{code}"
            );
            assert_eq!(Cb::from_code(code), Some(cb), "{code}");
        }
    }

    #[test]
    fn garbage_does_not_decode() {
        for code in ["", "nope", "unl:x", "RETRY", "dp4", "gu:retry"] {
            assert_eq!(Cb::from_code(code), None, "{code:?}");
        }
    }
}
