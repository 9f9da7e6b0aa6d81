//! The writer task of one connection: flushes the outbound buffer to the socket.
//!
//! It takes everything queued (a list of chunks) and writes it with vectored
//! writes, so a backlog of many chunks costs few system calls and no copying
//! into one contiguous buffer. A write that misses `write_deadline` makes the
//! client a slow consumer; a connection closed while a write is blocked (a
//! slow consumer cut off by a publisher) stops at once rather than waiting
//! out the deadline on a stalled peer.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::client::{Client, CloseReason};

/// Chunks handed to one `writev` call (well under every platform's IOV_MAX).
const MAX_IOV: usize = 64;

pub async fn write_loop<W>(client: Arc<Client>, mut socket: W, write_deadline: Duration)
where
    W: AsyncWrite + Unpin,
{
    let mut batch = VecDeque::new();
    loop {
        let closed = client.outbound.take(&mut batch);
        if !batch.is_empty() {
            let write = tokio::time::timeout(write_deadline, write_chunks(&mut socket, &batch));
            let written = if closed {
                // Closing: flush what is left (such as a final -ERR), bounded.
                write.await
            } else {
                tokio::select! {
                    biased;
                    written = write => written,
                    _ = client.closed() => break,
                }
            };
            match written {
                Ok(Ok(())) => client.outbound.finish(&mut batch),
                Ok(Err(_)) => {
                    client.close(CloseReason::WriteError);
                    break;
                }
                Err(_) => {
                    client.close(CloseReason::SlowConsumerWriteDeadline);
                    break;
                }
            }
            continue;
        }
        client.outbound.finish(&mut batch);
        if closed {
            break;
        }
        client.outbound.wait_for_data().await;
    }
    let _ = socket.shutdown().await;
}

/// Writes every chunk, in order, with as few system calls as it can.
async fn write_chunks<W>(socket: &mut W, chunks: &VecDeque<Vec<u8>>) -> std::io::Result<()>
where
    W: AsyncWrite + Unpin,
{
    let mut index = 0;
    let mut offset = 0;
    while index < chunks.len() {
        let mut slices = [IoSlice::new(&[]); MAX_IOV];
        let mut count = 0;
        for (i, chunk) in chunks.iter().skip(index).take(MAX_IOV).enumerate() {
            let start = if i == 0 { offset } else { 0 };
            slices[count] = IoSlice::new(&chunk[start..]);
            count += 1;
        }
        let mut written = socket.write_vectored(&slices[..count]).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        // Advance (index, offset) past what the kernel took.
        while written > 0 && index < chunks.len() {
            let remaining = chunks[index].len() - offset;
            if written >= remaining {
                written -= remaining;
                index += 1;
                offset = 0;
            } else {
                offset += written;
                written = 0;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that accepts at most a few bytes per call, to exercise partial writes.
    struct Trickle(Vec<u8>);

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            let n = buf.len().min(7);
            self.0.extend_from_slice(&buf[..n]);
            std::task::Poll::Ready(Ok(n))
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn partial_writes_keep_every_byte_in_order() {
        let chunks: VecDeque<Vec<u8>> = (0..200u8)
            .map(|i| vec![i; usize::from(i % 13) + 1])
            .collect();
        let mut socket = Trickle(Vec::new());
        write_chunks(&mut socket, &chunks).await.expect("written");
        let expected: Vec<u8> = chunks.iter().flatten().copied().collect();
        assert_eq!(socket.0, expected);
    }
}
