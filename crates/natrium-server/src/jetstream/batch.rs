//! Atomic batch publishing (ADR-50): messages staged per batch id until the
//! commit message arrives, then stored all together or not at all.
//!
//! A batch is a run of publishes carrying `Nats-Batch-Id` and a
//! `Nats-Batch-Sequence` counting up from 1; the one with
//! `Nats-Batch-Commit: 1` ends it. Staging only checks the batch's own
//! shape (ids, order, size, in-flight count): the stream's checks run at
//! commit, against the stream as it was before the batch. Batches are held
//! in memory, bounded like nats-server's: 50 in flight per stream, 1000
//! messages each, dropped after 10 seconds without a message.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use natrium_jetstream::errors::ErrorId;
use natrium_jetstream::headers::{
    HeaderBlock, HeaderBuilder, BATCH_COMMIT, BATCH_SEQ, EXPECTED_LAST_MSG_ID,
};
use natrium_jetstream::ApiError;

/// Batches a stream may stage at once.
pub const MAX_IN_FLIGHT: usize = 50;
/// Messages one batch may hold.
pub const MAX_MESSAGES: usize = 1000;
/// A batch without a message for this long is abandoned.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest batch id accepted.
const MAX_ID_LEN: usize = 64;

/// One staged publish, as received (checks run at commit).
pub struct Staged {
    pub subject: Vec<u8>,
    pub headers: Option<Vec<u8>>,
    pub payload: Vec<u8>,
}

/// What staging a message led to.
pub enum Step {
    /// Held; the publisher gets an empty reply.
    Staged,
    /// The batch is refused (and forgotten).
    Failed(ApiError),
    /// The commit arrived: store these messages, in order, as one.
    Commit(String, Vec<Staged>),
}

/// How a batch ends: `Nats-Batch-Commit: 1` stores the committing message
/// too, `eob` (end of batch) only marks the end.
enum Commit {
    WithThisMessage,
    WithoutThisMessage,
}

/// The batches a stream is staging, by id.
#[derive(Default)]
pub struct Batches {
    open: HashMap<String, Batch>,
}

struct Batch {
    messages: Vec<Staged>,
    last_activity: Instant,
    /// A header atomic batches can't honour, seen in the batch.
    unsupported_header: Option<&'static str>,
}

/// `headers` with `Nats-Batch-Commit: 1` added.
fn mark_committed(headers: Option<&[u8]>) -> Vec<u8> {
    let builder = match headers.map(HeaderBlock::parse) {
        Some(Ok(block)) => HeaderBuilder::from_block(&block),
        _ => HeaderBuilder::new(),
    };
    builder.add(BATCH_COMMIT, "1").finish()
}

impl Batches {
    /// Stages one message of batch `id`.
    pub fn stage(
        &mut self,
        allowed: bool,
        id: &str,
        headers: Option<&HeaderBlock<'_>>,
        message: Staged,
    ) -> Step {
        if !allowed {
            return Step::Failed(ErrorId::AtomicPublishDisabledErr.into());
        }
        if id.len() > MAX_ID_LEN {
            return Step::Failed(ErrorId::AtomicPublishInvalidBatchIDErr.into());
        }
        let header = |key: &str| headers.and_then(|h| h.get_str(key));
        let seq = match header(BATCH_SEQ).map(|s| s.trim().parse::<usize>()) {
            Some(Ok(seq)) => seq,
            // nats-server reads an unreadable sequence as one past any limit.
            Some(Err(_)) => usize::MAX,
            None => {
                self.open.remove(id);
                return Step::Failed(ErrorId::AtomicPublishMissingSeqErr.into());
            }
        };
        let commit = match header(BATCH_COMMIT) {
            None => None,
            Some("1") => Some(Commit::WithThisMessage),
            Some("eob") => Some(Commit::WithoutThisMessage),
            Some(_) => {
                self.open.remove(id);
                return Step::Failed(ErrorId::AtomicPublishInvalidBatchCommitErr.into());
            }
        };
        if seq == 1 {
            // A first message (re)starts the batch.
            self.open.remove(id);
            if self.open.len() >= MAX_IN_FLIGHT {
                return Step::Failed(ErrorId::AtomicPublishTooManyInflight.into());
            }
            self.open.insert(
                id.to_string(),
                Batch {
                    messages: Vec::new(),
                    last_activity: Instant::now(),
                    unsupported_header: None,
                },
            );
        }
        if seq > MAX_MESSAGES {
            self.open.remove(id);
            return Step::Failed(ApiError::with(
                ErrorId::AtomicPublishTooLargeBatchErrF,
                &[("size", &MAX_MESSAGES.to_string())],
            ));
        }
        let Some(batch) = self.open.get_mut(id) else {
            return Step::Failed(ErrorId::AtomicPublishIncompleteBatchErr.into());
        };
        if seq != batch.messages.len() + 1 {
            self.open.remove(id);
            return Step::Failed(ErrorId::AtomicPublishIncompleteBatchErr.into());
        }
        batch.last_activity = Instant::now();
        if header(EXPECTED_LAST_MSG_ID).is_some() {
            // Refused at commit, as nats-server does.
            batch.unsupported_header = Some(EXPECTED_LAST_MSG_ID);
        }
        match commit {
            None => {
                batch.messages.push(message);
                return Step::Staged;
            }
            Some(Commit::WithThisMessage) => batch.messages.push(message),
            Some(Commit::WithoutThisMessage) => {
                // The last stored message carries the commit mark, as if
                // it had been sent with `Nats-Batch-Commit: 1`.
                if let Some(last) = batch.messages.last_mut() {
                    last.headers = Some(mark_committed(last.headers.as_deref()));
                }
            }
        }
        match self
            .open
            .remove(id)
            .filter(|batch| !batch.messages.is_empty())
        {
            Some(Batch {
                unsupported_header: Some(header),
                ..
            }) => Step::Failed(ApiError::with(
                ErrorId::AtomicPublishUnsupportedHeaderBatchErr,
                &[("header", header)],
            )),
            Some(batch) => Step::Commit(id.to_string(), batch.messages),
            None => Step::Failed(ErrorId::AtomicPublishIncompleteBatchErr.into()),
        }
    }

    /// Forgets batches that went quiet.
    pub fn abandon_idle(&mut self) {
        self.open
            .retain(|_, batch| batch.last_activity.elapsed() < IDLE_TIMEOUT);
    }
}
