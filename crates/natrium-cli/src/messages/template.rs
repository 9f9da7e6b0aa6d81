//! Message body templates: `{{Count}}` is the message number, `{{TimeStamp}}`
//! the RFC 3339 time, `{{Unix}}` seconds since the epoch, `{{ID}}` a unique
//! id, as in the nats CLI. Plain text without `{{` is passed through as is.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Fills in `{{Count}}`, `{{TimeStamp}}`, `{{Unix}}` and `{{ID}}`.
pub fn render(template: &str, count: u64) -> String {
    if !template.contains("{{") {
        return template.to_string();
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    template
        .replace("{{Count}}", &count.to_string())
        .replace("{{Unix}}", &now.as_secs().to_string())
        .replace("{{TimeStamp}}", &rfc3339(now))
        .replace(
            "{{ID}}",
            &format!("{:016x}{:08x}", now.as_nanos() as u64, count),
        )
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a time since the epoch (UTC).
pub fn rfc3339(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(render("plain", 3), "plain");
        assert_eq!(render("n={{Count}}", 7), "n=7");
        assert!(render("{{TimeStamp}}", 1).ends_with('Z'));
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(Duration::from_secs(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(Duration::from_secs(1_795_434_221)),
            "2026-11-23T11:43:41Z"
        );
    }
}
