//! What message tracing ([`crate::trace`]) asks of a JetStream: which
//! stream a subscription feeds and whether it would keep a message, and the
//! traces waiting for a stream to handle the messages delivered to it (the
//! report carries the stream's outcome, so it is sent once that is known).

use std::sync::Arc;

use super::JetStream;

/// A traced message on its way to a stream: (trace destination, the report
/// waiting for it, its JetStream event).
pub(super) type ExpectedTrace = (Vec<u8>, Arc<crate::trace::Waiting>, usize);

impl JetStream {
    /// Whether `client` is this JetStream's internal client.
    pub(crate) fn owns(&self, client: &crate::client::Client) -> bool {
        client.id == self.client.client_id()
    }

    /// For a message trace: the stream a subscription of this JetStream
    /// feeds, the subject `subject` is stored under there, and whether an
    /// interest stream would drop it for want of consumers.
    pub(crate) fn traced_stream(
        &self,
        subscription: &crate::client::subscription::Subscription,
        subject: &[u8],
    ) -> Option<(String, String, bool)> {
        if !self.owns(&subscription.client) {
            return None;
        }
        let sid = std::str::from_utf8(&subscription.sid).ok()?.parse().ok()?;
        let stream = self.routes.lock().get(&sid).cloned()?;
        let stored = stream.stored_subject(subject);
        let no_interest =
            stream.config.retention == natrium_jetstream::stream::RetentionPolicy::Interest && {
                let next = stream.store.state(false).last_seq + 1;
                !self
                    .consumers_of(&stream.config.name)
                    .iter()
                    .any(|c| c.needs(next, stored.as_bytes()))
            };
        Some((stream.config.name.clone(), stored, no_interest))
    }

    /// A traced message is about to be delivered here: its outcome goes to
    /// `waiting` (event `index`) once it has been handled.
    pub(crate) fn expect_trace(
        &self,
        dest: &[u8],
        waiting: Arc<crate::trace::Waiting>,
        index: usize,
    ) {
        self.traces.lock().push((dest.to_vec(), waiting, index));
    }

    /// Takes back an [`Self::expect_trace`] whose message was not delivered.
    pub(crate) fn forget_trace(&self, waiting: &Arc<crate::trace::Waiting>, index: usize) {
        self.traces
            .lock()
            .retain(|(_, w, i)| !(Arc::ptr_eq(w, waiting) && *i == index));
    }

    /// The trace waiting for a message carrying these headers, if any.
    pub(super) fn traced(
        &self,
        headers: Option<&[u8]>,
    ) -> Option<(Arc<crate::trace::Waiting>, usize)> {
        let dest = crate::trace::destination(headers?)?;
        let mut traces = self.traces.lock();
        let at = traces.iter().position(|(d, _, _)| d == dest)?;
        let (_, waiting, index) = traces.remove(at);
        Some((waiting, index))
    }
}
