//! The chunk queue behind a connection's outbound buffer.
//!
//! Deliveries are appended to a queue of chunks instead of one contiguous
//! buffer: a backlog then grows by adding chunks, never by reallocating and
//! copying what is already queued, and written chunks are kept for reuse.
//! That is what keeps a busy connection free of the page faults that
//! regrowing large buffers costs (allocations that size are fresh mappings).
//! The chunk size adapts per connection, between 1 KiB for quiet connections
//! (thousands of idle clients cost little) and 64 KiB under load.

use std::collections::VecDeque;

const MIN_CHUNK: usize = 1024;
const MAX_CHUNK: usize = 64 * 1024;
/// Written chunks kept per connection for reuse.
const MAX_SPARE: usize = 8;

#[derive(Debug)]
pub struct ChunkQueue {
    queued: VecDeque<Vec<u8>>,
    len: usize,
    spare: Vec<Vec<u8>>,
    chunk_size: usize,
}

impl Default for ChunkQueue {
    fn default() -> Self {
        ChunkQueue {
            queued: VecDeque::new(),
            len: 0,
            spare: Vec::new(),
            chunk_size: MIN_CHUNK,
        }
    }
}

impl ChunkQueue {
    /// Bytes queued.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends with `write`, into a chunk with room for `size_hint` bytes so a
    /// frame never straddles two chunks. Returns the bytes written.
    pub fn append(&mut self, size_hint: usize, write: impl FnOnce(&mut Vec<u8>)) -> usize {
        let fits = self
            .queued
            .back()
            .is_some_and(|chunk| chunk.capacity() - chunk.len() >= size_hint);
        if !fits {
            let wanted = size_hint.max(self.chunk_size);
            let chunk = match self.spare.pop() {
                Some(chunk) if chunk.capacity() >= wanted => chunk,
                _ => Vec::with_capacity(wanted),
            };
            self.queued.push_back(chunk);
        }
        let Some(chunk) = self.queued.back_mut() else {
            return 0;
        };
        let before = chunk.len();
        write(chunk);
        let written = chunk.len() - before;
        self.len += written;
        written
    }

    /// Moves every queued chunk to `out` (left empty by the last batch) and
    /// adapts the chunk size to how much had piled up. Returns the bytes moved.
    pub fn take(&mut self, out: &mut VecDeque<Vec<u8>>) -> usize {
        if self.queued.len() > 1 {
            self.chunk_size = (self.chunk_size * 2).min(MAX_CHUNK);
        } else if self.len < self.chunk_size / 4 {
            self.chunk_size = (self.chunk_size / 2).max(MIN_CHUNK);
        }
        std::mem::swap(&mut self.queued, out);
        std::mem::take(&mut self.len)
    }

    /// Takes back written chunks for reuse (as many as are worth keeping).
    pub fn recycle(&mut self, written: &mut VecDeque<Vec<u8>>) {
        for mut chunk in written.drain(..) {
            let reusable = chunk.capacity() >= self.chunk_size && chunk.capacity() <= MAX_CHUNK;
            if reusable && self.spare.len() < MAX_SPARE {
                chunk.clear();
                self.spare.push(chunk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_never_straddle_chunks_and_order_is_kept() {
        let mut queue = ChunkQueue::default();
        for i in 0..1000u32 {
            let frame = format!("frame-{i};");
            queue.append(frame.len(), |chunk| {
                chunk.extend_from_slice(frame.as_bytes())
            });
        }
        let mut taken = VecDeque::new();
        let total = queue.take(&mut taken);
        let joined: Vec<u8> = taken.iter().flatten().copied().collect();
        assert_eq!(joined.len(), total);
        let expected: String = (0..1000).map(|i| format!("frame-{i};")).collect();
        assert_eq!(joined, expected.as_bytes());
        for chunk in &taken {
            assert!(chunk.ends_with(b";"), "a frame straddles a chunk boundary");
        }
        assert!(queue.is_empty());
    }

    #[test]
    fn chunks_grow_under_load_and_are_reused() {
        let mut queue = ChunkQueue::default();
        let mut taken = VecDeque::new();
        for _ in 0..10 {
            for _ in 0..200 {
                queue.append(1024, |chunk| chunk.extend_from_slice(&[7; 1024]));
            }
            queue.take(&mut taken);
            queue.recycle(&mut taken);
        }
        assert_eq!(queue.chunk_size, MAX_CHUNK);
        assert!(!queue.spare.is_empty() && queue.spare.len() <= MAX_SPARE);
        assert!(queue
            .spare
            .iter()
            .all(|chunk| chunk.capacity() == MAX_CHUNK && chunk.is_empty()));
        // A message larger than a chunk gets a chunk of its own size.
        queue.append(200_000, |chunk| chunk.extend_from_slice(&[1; 200_000]));
        assert_eq!(queue.len(), 200_000);
    }
}
