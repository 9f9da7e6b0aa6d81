//! Transports: what a client connection runs over once accepted.
//!
//! Plain TCP, or TLS ([`tls`]) the NATS way: the INFO line goes out in
//! plain text announcing `tls_required`, then the client upgrades; or, with
//! `handshake_first`, the TLS handshake comes first. Either way the
//! connection's reader and writer get an `AsyncRead`/`AsyncWrite` pair and
//! never know which it is.

pub mod tls;

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The reading half of an accepted connection.
pub enum Reader {
    Tcp(tokio::net::tcp::OwnedReadHalf),
    Tls(tokio::io::ReadHalf<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// The writing half of an accepted connection.
pub enum Writer {
    Tcp(tokio::net::tcp::OwnedWriteHalf),
    Tls(tokio::io::WriteHalf<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Reader {
    pub fn plain(stream: TcpStream) -> (Reader, Writer) {
        let (reader, writer) = stream.into_split();
        (Reader::Tcp(reader), Writer::Tcp(writer))
    }

    pub fn tls(stream: tokio_rustls::server::TlsStream<TcpStream>) -> (Reader, Writer) {
        let (reader, writer) = tokio::io::split(stream);
        (Reader::Tls(reader), Writer::Tls(writer))
    }
}

impl AsyncRead for Reader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Reader::Tcp(inner) => Pin::new(inner).poll_read(cx, buf),
            Reader::Tls(inner) => Pin::new(inner).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Writer {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Writer::Tcp(inner) => Pin::new(inner).poll_write(cx, buf),
            Writer::Tls(inner) => Pin::new(inner).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Writer::Tcp(inner) => Pin::new(inner).poll_write_vectored(cx, bufs),
            Writer::Tls(inner) => Pin::new(inner).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Writer::Tcp(inner) => inner.is_write_vectored(),
            Writer::Tls(inner) => inner.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Writer::Tcp(inner) => Pin::new(inner).poll_flush(cx),
            Writer::Tls(inner) => Pin::new(inner).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Writer::Tcp(inner) => Pin::new(inner).poll_shutdown(cx),
            Writer::Tls(inner) => Pin::new(inner).poll_shutdown(cx),
        }
    }
}
