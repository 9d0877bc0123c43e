//! How booking reads the registry's failures.

use crate::registry::RegistryError;

/// Worth telling the user «попробуйте позже» rather than «нет»: the registry did not answer usably.
pub(in crate::bot) fn is_transient(err: &RegistryError) -> bool {
    matches!(
        err,
        RegistryError::Transient(_) | RegistryError::Malformed(_)
    )
}
