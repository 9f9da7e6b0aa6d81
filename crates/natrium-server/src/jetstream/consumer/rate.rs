//! `rate_limit_bps`: how fast a push consumer may deliver.
//!
//! A token bucket in bytes, as nats-server shapes it: it refills at
//! `rate_limit_bps / 8` bytes a second and holds at most one maximum-sized
//! message (the stream's `max_msg_size`, else the server's 1 MiB payload
//! limit), so a message is never too large to go out eventually. A message
//! that does not fit waits; the consumer's timer tries again.

/// The server's default `max_payload`, the burst when the stream sets none.
const DEFAULT_BURST: f64 = (1 << 20) as f64;

#[derive(Debug, Clone)]
pub struct RateLimiter {
    /// The configured limit this bucket was built for.
    pub bits_per_second: u64,
    bytes_per_nano: f64,
    burst: f64,
    tokens: f64,
    refilled_at: i64,
}

impl RateLimiter {
    /// A full bucket for `bits_per_second`, bursting up to `max_msg_size`
    /// (0 or less: the default payload limit).
    pub fn new(bits_per_second: u64, max_msg_size: i64, now: i64) -> RateLimiter {
        let burst = if max_msg_size > 0 {
            max_msg_size as f64
        } else {
            DEFAULT_BURST
        };
        RateLimiter {
            bits_per_second,
            bytes_per_nano: bits_per_second as f64 / 8.0 / 1e9,
            burst,
            tokens: burst,
            refilled_at: now,
        }
    }

    /// Takes `size` bytes' worth of tokens if they are there.
    pub fn allow(&mut self, size: u64, now: i64) -> bool {
        let elapsed = now.saturating_sub(self.refilled_at).max(0) as f64;
        self.tokens = (self.tokens + elapsed * self.bytes_per_nano).min(self.burst);
        self.refilled_at = now;
        // A message larger than the bucket goes once the bucket is full.
        let needed = (size as f64).min(self.burst);
        if self.tokens >= needed {
            self.tokens -= needed;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000_000;

    #[test]
    fn refills_at_the_configured_rate() {
        // 8000 bits/s = 1000 bytes/s, burst 1500 bytes.
        let mut limiter = RateLimiter::new(8000, 1500, 0);
        assert!(limiter.allow(1500, 0), "starts full");
        assert!(!limiter.allow(500, 0), "empty now");
        assert!(!limiter.allow(500, SECOND / 4), "250 bytes back only");
        assert!(limiter.allow(500, SECOND / 2), "500 bytes back");
        assert!(limiter.allow(1000, 10 * SECOND), "capped at the burst");
        assert!(!limiter.allow(1000, 10 * SECOND));
    }

    #[test]
    fn an_oversized_message_waits_for_a_full_bucket() {
        let mut limiter = RateLimiter::new(8000, 1000, 0);
        assert!(limiter.allow(5000, 0));
        assert!(!limiter.allow(5000, SECOND / 2));
        assert!(limiter.allow(5000, SECOND));
    }
}
