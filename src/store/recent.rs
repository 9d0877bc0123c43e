//! «Записаться снова»: the doctors a person saw or is booked with, from their visits, most recent first.

use super::Store;

/// How many of the user's latest visits are read to find recent doctors: a family's year of visits.
const VISITS_READ: i64 = 200;

/// A doctor of one person's visits: enough to open the doctor's days in one tap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentDoctor {
    pub lpu_id: i64,
    /// The registry's doctor id.
    pub doctor_id: String,
    /// The doctor's name as the visit recorded it.
    pub doctor: String,
    /// The specialty's name as the visit recorded it (the registry's id is looked up by it).
    pub specialty: String,
    /// The clinic's short name.
    pub clinic: String,
    /// The start of the latest visit to this doctor, Unix seconds.
    pub visit_at: i64,
}

impl Store {
    /// The distinct doctors of the booked visits (past and upcoming) of one person — the user
    /// (`child_id` `None`) or one of their children — latest visit first, at most `limit`. Visits whose
    /// doctor the registry did not name are skipped; cancelled ones too.
    pub async fn recent_doctors(
        &self,
        user_id: i64,
        child_id: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<Vec<RecentDoctor>> {
        let rest = "user_id = $1 AND status = 'booked' ORDER BY visit_at DESC, id DESC LIMIT $2";
        let visits = self
            .appointments_where(rest, &[user_id, VISITS_READ])
            .await?;
        let mut recent: Vec<RecentDoctor> = Vec::new();
        for visit in visits.into_iter().map(|a| a.booking) {
            if recent.len() >= limit {
                break;
            }
            if visit.child_id != child_id {
                continue;
            }
            let Some(doctor_id) = visit.doctor_id else {
                continue;
            };
            let seen = recent
                .iter()
                .any(|r| r.lpu_id == visit.lpu_id && r.doctor_id == doctor_id);
            if seen {
                continue;
            }
            recent.push(RecentDoctor {
                lpu_id: visit.lpu_id,
                doctor_id,
                doctor: visit.details.doctor,
                specialty: visit.details.specialty,
                clinic: visit.details.clinic,
                visit_at: visit.visit_at,
            });
        }
        Ok(recent)
    }
}
