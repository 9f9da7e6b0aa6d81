//! The memory store: the shared engine with message bytes kept in RAM.
//!
//! Each message is one allocation holding headers and payload back to back;
//! loads hand out cheap `Bytes` slices of it, so reading never copies.

use bytes::Bytes;

use crate::core::{forward_message_store, Backend, Core, Engine, Marker, RemoveMode};
use crate::{StoreError, StoreLimits};

/// Headers and payload of one message in a single buffer.
pub(crate) struct MemLoc {
    data: Bytes,
    hdr_len: usize,
}

pub(crate) struct MemBackend;

impl Backend for MemBackend {
    type Loc = MemLoc;

    fn message_size(subject: usize, headers: usize, payload: usize) -> u64 {
        crate::limits::memory_message_size(subject, headers, payload)
    }

    fn append(
        &mut self,
        _seq: u64,
        _ts: i64,
        _expiry: i64,
        _subject: &[u8],
        headers: &[u8],
        payload: &[u8],
        _marker: &Marker,
    ) -> Result<MemLoc, StoreError> {
        let mut data = Vec::with_capacity(headers.len() + payload.len());
        data.extend_from_slice(headers);
        data.extend_from_slice(payload);
        Ok(MemLoc {
            data: Bytes::from(data),
            hdr_len: headers.len(),
        })
    }

    fn read(&self, _seq: u64, loc: &MemLoc) -> Result<(Bytes, Bytes), StoreError> {
        Ok((loc.data.slice(..loc.hdr_len), loc.data.slice(loc.hdr_len..)))
    }

    fn remove(&mut self, _: u64, _: &MemLoc, _: RemoveMode, _: &Marker) -> Result<(), StoreError> {
        // Dropping the entry frees (and so "erases") the bytes.
        Ok(())
    }

    fn truncate_front(&mut self, _: &Marker) -> Result<(), StoreError> {
        Ok(())
    }
    fn commit(&mut self, _: &Marker) -> Result<(), StoreError> {
        Ok(())
    }
    fn flush(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    fn sync(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    fn close(&mut self, _: &Marker) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A stream store held entirely in memory.
pub struct MemoryStore {
    engine: Engine<MemBackend>,
}

impl MemoryStore {
    pub fn new(limits: StoreLimits) -> Self {
        MemoryStore {
            engine: Engine::new(Core::new(MemBackend, limits)),
        }
    }
}

forward_message_store!(MemoryStore);
