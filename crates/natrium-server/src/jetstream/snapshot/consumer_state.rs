//! A consumer's progress in nats-server's `o.dat` encoding (version 2), and
//! its conversion from and to natrium's own saved state.
//!
//! `o.dat` holds, as varints: the ack floor and the last delivered
//! (consumer and stream sequences), then the messages awaiting an ack
//! (stream and consumer sequences relative to the ack floor, delivery time
//! in seconds relative to a base) and the redelivery counts.

use std::collections::BTreeMap;

use crate::jetstream::consumer::state::SavedState;

const MAGIC: u8 = 22;

#[derive(Debug, thiserror::Error)]
#[error("consumer state (o.dat) is corrupt: {0}")]
pub struct StateError(&'static str);

/// nats-server's `ConsumerState`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NatsConsumerState {
    /// (consumer seq, stream seq)
    pub delivered: (u64, u64),
    pub ack_floor: (u64, u64),
    /// stream seq → (consumer seq, delivered at in nanoseconds)
    pub pending: BTreeMap<u64, (u64, i64)>,
    /// stream seq → times redelivered
    pub redelivered: BTreeMap<u64, u64>,
}

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_varint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn uvarint(&mut self) -> Result<u64, StateError> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = *self.buf.get(self.at).ok_or(StateError("truncated"))?;
            self.at += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(StateError("bad varint"))
    }

    fn varint(&mut self) -> Result<i64, StateError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
}

impl NatsConsumerState {
    pub fn encode(&self, now_secs: i64) -> Vec<u8> {
        let mut out = vec![MAGIC, 2];
        let (afc, afs) = self.ack_floor;
        put_uvarint(&mut out, afc);
        put_uvarint(&mut out, afs);
        put_uvarint(&mut out, self.delivered.0);
        put_uvarint(&mut out, self.delivered.1);
        put_uvarint(&mut out, self.pending.len() as u64);
        if !self.pending.is_empty() {
            put_varint(&mut out, now_secs);
            for (&sseq, &(dseq, ts)) in &self.pending {
                put_uvarint(&mut out, sseq.saturating_sub(afs));
                put_uvarint(&mut out, dseq.saturating_sub(afc));
                put_varint(&mut out, now_secs - ts / 1_000_000_000);
            }
        }
        put_uvarint(&mut out, self.redelivered.len() as u64);
        for (&seq, &count) in &self.redelivered {
            put_uvarint(&mut out, seq.saturating_sub(afs));
            put_uvarint(&mut out, count);
        }
        out
    }

    pub fn decode(buf: &[u8]) -> Result<Self, StateError> {
        if buf.len() < 2 || buf[0] != MAGIC {
            return Err(StateError("bad magic"));
        }
        let version = buf[1];
        if !(1..=2).contains(&version) {
            return Err(StateError("unsupported version"));
        }
        let mut r = Reader { buf, at: 2 };
        let mut state = NatsConsumerState {
            ack_floor: (r.uvarint()?, r.uvarint()?),
            delivered: (r.uvarint()?, r.uvarint()?),
            ..Self::default()
        };
        if version == 1 {
            if state.ack_floor.0 > 1 {
                state.delivered.0 += state.ack_floor.0 - 1;
            }
            if state.ack_floor.1 > 1 {
                state.delivered.1 += state.ack_floor.1 - 1;
            }
        }
        let pending = r.uvarint()?;
        if pending > 0 {
            let base = r.varint()?;
            for _ in 0..pending {
                let sseq = r.uvarint()? + state.ack_floor.1;
                let dseq = if version == 2 {
                    r.uvarint()? + state.ack_floor.0
                } else {
                    0
                };
                let ts = r.varint()?;
                let secs = if version == 1 { ts + base } else { base - ts };
                state
                    .pending
                    .insert(sseq, (dseq, secs.saturating_mul(1_000_000_000)));
            }
        }
        let redelivered = r.uvarint()?;
        for _ in 0..redelivered {
            let seq = r.uvarint()? + state.ack_floor.1;
            let count = r.uvarint()?;
            state.redelivered.insert(seq, count);
        }
        Ok(state)
    }

    pub fn from_saved(saved: &SavedState) -> Self {
        let mut state = NatsConsumerState {
            delivered: (
                saved.delivered.0,
                saved.delivered.1.max(saved.next_seq.saturating_sub(1)),
            ),
            ack_floor: saved.ack_floor,
            ..Self::default()
        };
        for &(seq, consumer_seq, delivered_at, deliveries) in &saved.pending {
            state.pending.insert(seq, (consumer_seq, delivered_at));
            if deliveries > 1 {
                state.redelivered.insert(seq, deliveries - 1);
            }
        }
        state
    }

    pub fn to_saved(&self) -> SavedState {
        SavedState {
            next_seq: self.delivered.1 + 1,
            delivered: self.delivered,
            ack_floor: self.ack_floor,
            pending: self
                .pending
                .iter()
                .map(|(&seq, &(consumer_seq, ts))| {
                    let redelivered = self.redelivered.get(&seq).copied().unwrap_or(0);
                    (seq, consumer_seq, ts, redelivered + 1)
                })
                .collect(),
            num_redelivered: self.redelivered.len() as u64,
            initial: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut state = NatsConsumerState {
            delivered: (20, 40),
            ack_floor: (10, 30),
            ..Default::default()
        };
        state.pending.insert(35, (15, 1_700_000_000_000_000_000));
        state.pending.insert(40, (20, 1_700_000_005_000_000_000));
        state.redelivered.insert(35, 2);
        let encoded = state.encode(1_700_000_010);
        assert_eq!(NatsConsumerState::decode(&encoded).unwrap(), state);
    }
}
