//! Tolerant readers for the registry's JSON: the contract promises field names, not types. A number may
//! come as a string and a string as a number; optional values may be absent, `null` or `""`.

use chrono::NaiveDateTime;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

/// The value as text: strings as they are, numbers and booleans written out; `null` and `""` are `None`.
fn text(value: Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_owned())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(format!(
            "expected a string or a number, got {}",
            kind(&other)
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(Value::deserialize(d)?)
        .map_err(D::Error::custom)?
        .ok_or_else(|| D::Error::custom("a required value is empty"))
}

pub fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(Value::deserialize(d)?)
        .map_err(D::Error::custom)?
        .unwrap_or_default())
}

pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text(Value::deserialize(d)?).map_err(D::Error::custom)
}

/// Free text that may run over several lines (a doctor's comment): line ends made `\n`, each line trimmed,
/// blank lines dropped; anything but a string or a number reads as absent rather than failing the item.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let Ok(Some(raw)) = text(Value::deserialize(d)?) else {
        return Ok(None);
    };
    let lines: Vec<&str> = raw
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    Ok((!lines.is_empty()).then(|| lines.join("\n")))
}

/// `recordableDay` and the like: `true`/`false`, `1`/`0`, `"true"`/`"false"`; anything else is unknown.
fn opt_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|n| n != 0.0),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A timetable day as it comes; [`super::TimetableDay`] is read through it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimetableDayWire {
    #[serde(deserialize_with = "datetime")]
    visit_start: NaiveDateTime,
    #[serde(default, deserialize_with = "opt_datetime")]
    visit_end: Option<NaiveDateTime>,
    #[serde(default)]
    recordable_day: Value,
    #[serde(default)]
    deny_cause: Value,
}

impl From<TimetableDayWire> for super::TimetableDay {
    fn from(wire: TimetableDayWire) -> Self {
        let deny_cause = match wire.deny_cause {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            _ => None,
        };
        // A day that does not say is open unless it gives a reason to be closed.
        let recordable = opt_bool(&wire.recordable_day).unwrap_or(deny_cause.is_none());
        Self {
            visit_start: wire.visit_start,
            visit_end: wire.visit_end.filter(|end| *end >= wire.visit_start),
            recordable,
            deny_cause,
        }
    }
}

pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match text(Value::deserialize(d)?).map_err(D::Error::custom)? {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| D::Error::custom("expected a whole number")),
    }
}

/// A number that may come as a string; anything unreadable is absent rather than failing the item.
pub fn lenient_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(text(Value::deserialize(d)?)
        .ok()
        .flatten()
        .and_then(|s| s.parse::<i64>().ok()))
}

pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    opt_i64(d)?.ok_or_else(|| D::Error::custom("a required number is empty"))
}

/// A count: absent, `null`, `""` or garbage reads as 0 (a count is never worth failing a list for).
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(text(value)
        .ok()
        .flatten()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map_or(0, |n| n.min(f64::from(u32::MAX)) as u32))
}

/// A coordinate given as a number or a string; unreadable reads as absent.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(text(value)
        .ok()
        .flatten()
        .and_then(|s| s.replace(',', ".").parse::<f64>().ok())
        .filter(|n| n.is_finite()))
}

pub fn opt_f64_as_string<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(n) => s.serialize_str(&n.to_string()),
        None => s.serialize_str(""),
    }
}

pub fn yes() -> bool {
    true
}

/// `true`/`false`, `1`/`0`, `"true"`/`"false"`; absent or `null` counts as true (a listed clinic is active).
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !matches!(s.trim().to_lowercase().as_str(), "false" | "0" | "no"),
        _ => true,
    })
}

/// Reads an ISO date-time without zone; tolerates fractions of a second, a zone suffix (ignored: the
/// contract says times are the region's) and a bare date.
pub fn parse_datetime(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(raw, format) {
            return Some(at);
        }
    }
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(at.naive_local());
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .map(super::midnight)
}

pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    match text(Value::deserialize(d)?).map_err(D::Error::custom)? {
        None => Ok(None),
        Some(s) => Ok(parse_datetime(&s)),
    }
}

pub fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    let raw = text(Value::deserialize(d)?)
        .map_err(D::Error::custom)?
        .ok_or_else(|| D::Error::custom("a required date-time is empty"))?;
    parse_datetime(&raw).ok_or_else(|| D::Error::custom("not an ISO date-time"))
}

pub fn opt_datetime_format<S: Serializer>(
    at: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&at.format("%Y-%m-%dT%H:%M:%S").to_string()),
        None => s.serialize_none(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS` both ways, for the bodies the bot sends.
pub mod datetime_format {
    use chrono::NaiveDateTime;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.format("%Y-%m-%dT%H:%M:%S").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        super::datetime(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_read_in_the_shapes_registries_send() {
        let at = |s: &str| parse_datetime(s).map(|d| d.to_string());
        assert_eq!(
            at("2026-12-01T09:30:00").as_deref(),
            Some("2026-12-01 09:30:00")
        );
        assert_eq!(
            at("2026-12-01T09:30:00.000").as_deref(),
            Some("2026-12-01 09:30:00")
        );
        assert_eq!(
            at("2026-12-01T09:30:00+08:00").as_deref(),
            Some("2026-12-01 09:30:00")
        );
        assert_eq!(at("2026-12-01").as_deref(), Some("2026-12-01 00:00:00"));
        assert_eq!(at("завтра"), None);
    }
}
