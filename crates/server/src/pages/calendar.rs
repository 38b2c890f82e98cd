//! An event as an iCalendar file (RFC 5545), so that a family can add a registration to
//! the phone's calendar. Written here rather than with a calendar crate: the one event
//! needs escaping and line folding only, and the crates bring a second time library.

use std::fmt::Write;

use time::OffsetDateTime;

/// One event of the calendar file.
pub struct Event<'a> {
    /// Stays the same for the same registration, so adding it twice updates it.
    pub uid: &'a str,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    /// When the file was made.
    pub stamp: OffsetDateTime,
}

/// The calendar file of `event`, lines ending CRLF.
pub fn ics(event: &Event<'_>) -> String {
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//youthloop//youthloop//ZH".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", text(event.uid)),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.starts_at)),
        format!("DTEND:{}", utc(event.ends_at)),
        format!("SUMMARY:{}", text(event.summary)),
        format!("LOCATION:{}", text(event.location)),
        format!("DESCRIPTION:{}", text(event.description)),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|l| fold(l)).collect()
}

/// A moment in UTC: `20261205T013000Z`.
fn utc(at: OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A TEXT value: backslash, semicolon, comma and line breaks escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (never inside a character), ended by CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            // The space that continues a line counts towards its 75 octets.
            width = 1;
        }
        let _ = write!(out, "{c}");
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_event_in_utc_escaped_and_folded() {
        let event = Event {
            uid: "r1@youthloop",
            starts_at: datetime!(2026-12-05 09:30 +08:00),
            ends_at: datetime!(2026-12-05 11:30 +08:00),
            summary: "防溺水训练营（小禾）",
            location: "青禾社区活动室; 二楼,东侧",
            description: &"安全".repeat(40),
            stamp: datetime!(2026-12-01 10:00 UTC),
        };
        let file = ics(&event);
        assert!(file.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(file.ends_with("END:VCALENDAR\r\n"));
        assert!(file.contains("DTSTART:20261205T013000Z\r\n"));
        assert!(file.contains("DTEND:20261205T033000Z\r\n"));
        assert!(file.contains("LOCATION:青禾社区活动室\\; 二楼\\,东侧\r\n"));
        for line in file.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        // Unfolded, the description is whole again.
        let unfolded = file.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("DESCRIPTION:{}\r\n", "安全".repeat(40))));
    }
}
