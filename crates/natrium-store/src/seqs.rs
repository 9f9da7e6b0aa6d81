//! The sequences of one subject, ascending: what the index keeps per
//! message besides its entry, so kept at 4 bytes each.
//!
//! Sequences are stored as 32-bit offsets from a base. The index is dense
//! (one slot per sequence between the first and the last), so the live span
//! of a subject never nears 2^32 in practice; should it, the list turns to
//! plain 64-bit sequences rather than lose one.

use std::collections::VecDeque;

#[derive(Debug)]
pub(crate) enum SeqList {
    Narrow { base: u64, offsets: VecDeque<u32> },
    Wide(VecDeque<u64>),
}

impl Default for SeqList {
    fn default() -> Self {
        SeqList::Narrow {
            base: 0,
            offsets: VecDeque::new(),
        }
    }
}

impl SeqList {
    pub fn len(&self) -> usize {
        match self {
            SeqList::Narrow { offsets, .. } => offsets.len(),
            SeqList::Wide(seqs) => seqs.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<u64> {
        match self {
            SeqList::Narrow { base, offsets } => offsets.get(index).map(|&o| base + o as u64),
            SeqList::Wide(seqs) => seqs.get(index).copied(),
        }
    }

    pub fn front(&self) -> Option<u64> {
        self.get(0)
    }

    pub fn back(&self) -> Option<u64> {
        self.len().checked_sub(1).and_then(|last| self.get(last))
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Appends `seq` (greater than every sequence held).
    pub fn push_back(&mut self, seq: u64) {
        if let SeqList::Narrow { base, offsets } = self {
            if offsets.is_empty() {
                *base = seq;
            }
            if seq - *base > u32::MAX as u64 {
                // Rebase on the oldest; if the span is still too wide, widen.
                let shift = offsets.front().copied().unwrap_or(0);
                *base += shift as u64;
                for offset in offsets.iter_mut() {
                    *offset -= shift;
                }
            }
            if let Ok(offset) = u32::try_from(seq - *base) {
                offsets.push_back(offset);
                return;
            }
            let wide: VecDeque<u64> = offsets.iter().map(|&o| *base + o as u64).collect();
            *self = SeqList::Wide(wide);
        }
        if let SeqList::Wide(seqs) = self {
            seqs.push_back(seq);
        }
    }

    pub fn pop_front(&mut self) -> Option<u64> {
        match self {
            SeqList::Narrow { base, offsets } => offsets.pop_front().map(|o| *base + o as u64),
            SeqList::Wide(seqs) => seqs.pop_front(),
        }
    }

    /// How many sequences are below `seq` (where `seq` would go).
    pub fn count_below(&self, seq: u64) -> usize {
        match self {
            SeqList::Narrow { base, offsets } => match seq.checked_sub(*base) {
                None => 0,
                Some(delta) => offsets.partition_point(|&o| (o as u64) < delta),
            },
            SeqList::Wide(seqs) => seqs.partition_point(|&s| s < seq),
        }
    }

    /// Removes `seq` if held; returns whether it was.
    pub fn remove(&mut self, seq: u64) -> bool {
        let at = self.count_below(seq);
        if self.get(at) != Some(seq) {
            return false;
        }
        match self {
            SeqList::Narrow { offsets, .. } => offsets.remove(at).is_some(),
            SeqList::Wide(seqs) => seqs.remove(at).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_ascending_sequences_in_four_bytes_each() {
        let mut list = SeqList::default();
        for seq in [5u64, 7, 8, 20] {
            list.push_back(seq);
        }
        assert_eq!(list.iter().collect::<Vec<_>>(), vec![5, 7, 8, 20]);
        assert_eq!(
            (list.front(), list.back(), list.len()),
            (Some(5), Some(20), 4)
        );
        assert_eq!(
            (
                list.count_below(1),
                list.count_below(8),
                list.count_below(21)
            ),
            (0, 2, 4)
        );
        assert!(list.remove(8) && !list.remove(8) && !list.remove(6));
        assert_eq!(list.pop_front(), Some(5));
        assert_eq!(list.iter().collect::<Vec<_>>(), vec![7, 20]);
        assert!(matches!(list, SeqList::Narrow { .. }));
    }

    #[test]
    fn rebases_and_widens_rather_than_lose_a_sequence() {
        const G4: u64 = 1 << 32;
        let mut list = SeqList::default();
        list.push_back(10);
        list.push_back(1000);
        assert_eq!(list.pop_front(), Some(10));
        list.push_back(10 + G4 + 100); // rebased on 1000, the oldest held
        assert!(matches!(list, SeqList::Narrow { .. }));
        list.push_back(1000 + G4 + 10);
        assert!(matches!(list, SeqList::Wide(_)), "a span past 2^32 widens");
        let want = vec![1000, 10 + G4 + 100, 1000 + G4 + 10];
        assert_eq!(list.iter().collect::<Vec<u64>>(), want);
        assert_eq!(list.count_below(1001), 1);
        assert!(list.remove(10 + G4 + 100));
        assert_eq!(list.back(), Some(1000 + G4 + 10));
    }
}
