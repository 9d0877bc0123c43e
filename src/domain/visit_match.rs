//! When a visit the registry lists is one the bot already knows of. The registry lists a booking under an
//! id of its own, not the slot's, so until that id is learned a visit is known by its clinic, its doctor
//! and its start.

/// Whether a listed visit (by `doctor` when the list names one, starting at `visit_at`, Unix seconds) is the
/// known one (by `known_doctor` when known, starting at `known_at`): the same start to the minute, and the
/// same doctor when both are named.
pub fn same_visit(
    known_doctor: Option<&str>,
    known_at: i64,
    doctor: Option<&str>,
    visit_at: i64,
) -> bool {
    let doctors_agree = match (known_doctor, doctor) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    doctors_agree && (known_at - visit_at).abs() < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_start_and_doctor_is_the_same_visit() {
        assert!(same_visit(Some("d1"), 1_000, Some("d1"), 1_000));
        assert!(same_visit(Some("d1"), 1_000, Some("d1"), 1_059));
        assert!(!same_visit(Some("d1"), 1_000, Some("d1"), 1_060));
        assert!(!same_visit(Some("d1"), 1_000, Some("d2"), 1_000));
        // A doctor named on one side only does not tell the visits apart.
        assert!(same_visit(None, 1_000, Some("d2"), 1_000));
        assert!(same_visit(Some("d1"), 1_000, None, 1_000));
    }
}
