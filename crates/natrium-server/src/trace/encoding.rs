//! The encodings a trace report can be sent in: what `Accept-Encoding` on
//! the traced message asks for, read as nats-server reads it, and the
//! compression itself (gzip, or snappy's framing format, which is what
//! nats-server's snappy-compatible writer produces).

use super::header_value;

/// The header asking for a compressed report.
const ACCEPT_ENCODING: &str = "Accept-Encoding";

/// How the report's payload is encoded, from `Accept-Encoding` as
/// nats-server reads it: snappy (framed) or gzip when named, `identity`
/// (uncompressed, but said so) for anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    None,
    Snappy,
    Gzip,
    Identity,
}

impl Encoding {
    pub(super) fn from_headers(headers: &[u8]) -> Encoding {
        let Some(value) = header_value(headers, ACCEPT_ENCODING).filter(|v| !v.is_empty()) else {
            return Encoding::None;
        };
        let value = String::from_utf8_lossy(value).to_ascii_lowercase();
        if value.contains("snappy") || value.contains("s2") {
            Encoding::Snappy
        } else if value.contains("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` header block and the encoded body.
    pub(super) fn encode(self, body: Vec<u8>) -> (Option<&'static [u8]>, Vec<u8>) {
        use std::io::Write as _;
        match self {
            Encoding::None => (None, body),
            Encoding::Identity => (
                Some(b"NATS/1.0\r\nContent-Encoding: identity\r\n\r\n"),
                body,
            ),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                match encoder.write_all(&body).and_then(|()| encoder.finish()) {
                    Ok(zipped) => (Some(b"NATS/1.0\r\nContent-Encoding: gzip\r\n\r\n"), zipped),
                    Err(_) => (None, body),
                }
            }
            Encoding::Snappy => {
                let mut encoder = snap::write::FrameEncoder::new(Vec::new());
                let framed = encoder
                    .write_all(&body)
                    .map_err(|e| e.to_string())
                    .and_then(|()| encoder.into_inner().map_err(|e| e.to_string()));
                match framed {
                    Ok(framed) => (
                        Some(b"NATS/1.0\r\nContent-Encoding: snappy\r\n\r\n"),
                        framed,
                    ),
                    Err(_) => (None, body),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_encoded_as_asked() {
        let asked = |value: &str| {
            Encoding::from_headers(
                format!("NATS/1.0\r\nAccept-Encoding: {value}\r\n\r\n").as_bytes(),
            )
        };
        assert_eq!(asked("gzip"), Encoding::Gzip);
        assert_eq!(asked("br, GZIP"), Encoding::Gzip);
        assert_eq!(asked("snappy"), Encoding::Snappy);
        assert_eq!(asked("s2, gzip"), Encoding::Snappy);
        assert_eq!(asked("deflate"), Encoding::Identity);
        assert_eq!(
            Encoding::from_headers(b"NATS/1.0\r\nX: 1\r\n\r\n"),
            Encoding::None
        );
        let body = br#"{"events":[]}"#.repeat(20);
        let (headers, zipped) = Encoding::Gzip.encode(body.clone());
        assert!(headers.unwrap().ends_with(b"gzip\r\n\r\n"));
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&zipped[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, body);
        let (_, framed) = Encoding::Snappy.encode(body.clone());
        assert!(framed.starts_with(b"\xff\x06\x00\x00sNaPpY"));
        let mut unframed = Vec::new();
        std::io::Read::read_to_end(
            &mut snap::read::FrameDecoder::new(&framed[..]),
            &mut unframed,
        )
        .unwrap();
        assert_eq!(unframed, body);
    }
}
