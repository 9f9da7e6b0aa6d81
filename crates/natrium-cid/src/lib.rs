//! natrium-cid: content-addressed (IPLD) objects on NATS.
//!
//! An object *is* its CID: the same bytes are stored once, anything fetched is
//! checked against its address, and objects link to each other in a Merkle DAG
//! that can be walked over NATS subjects. CIDs computed here are the CIDs the
//! IPFS tools compute for the same bytes (`ipfs add --cid-version=1
//! --raw-leaves`), so content moves to and from IPFS through CAR files.
//!
//! The layers, bottom up:
//! - [`block`]: a block is bytes plus the CID they hash to; codecs, hashes, links.
//! - [`unixfs`]: files as balanced UnixFS DAGs, built while streaming.
//! - [`dag`]: DAG-CBOR / DAG-JSON documents and path resolution.
//! - [`car`]: CARv1 read and write.
//! - [`store`]: the block store, one JetStream message per CID, plus pins.
//! - [`service`]: the `{domain}.objects.*` request/reply service over the store.
//! - [`client`]: the library API applications (and `natrium cid`) use; it
//!   talks to the service over plain NATS requests.
//!
//! # Why these crates
//! - `cid` and `multihash-codetable` (multiformats/rust-cid, rust-multihash):
//!   the reference Rust implementations of the multiformats specs, used by
//!   rust-libp2p and iroh; CIDv0/v1 parsing, multibase text forms, sha2-256 and
//!   blake3 behind features.
//! - `ipld-core`, `serde_ipld_dagcbor`, `serde_ipld_dagjson`, `ipld-dagpb`
//!   (github.com/ipld): the maintained successors of the deprecated
//!   `libipld`; strict, canonical encodings (sorted map keys, tag 42 links).
//! - `prost`: the UnixFS `Data` message is derived from a struct (no build
//!   script), with proto2's unpacked `blocksizes` as go-unixfs writes them.
//!
//! CARv1 framing (a varint-length-prefixed DAG-CBOR header and sections) is
//! about a hundred lines over `cid`, `unsigned-varint` and
//! `serde_ipld_dagcbor`, written here. The tokio CAR crate, `iroh-car` 0.5,
//! was considered: it pins older `serde_ipld_dagcbor` 0.6 and
//! `unsigned-varint` 0.7 (second copies in the tree), does not hash-check
//! blocks, and takes an end of file inside a section length for a clean end,
//! while a truncated CAR must be an error here.

pub mod block;
pub mod car;
pub mod client;
pub mod dag;
pub mod error;
pub mod service;
pub mod store;
pub mod unixfs;

pub use block::{Block, Codec, HashAlg};
pub use cid::Cid;
pub use client::Client;
pub use error::{Error, ErrorCode};
pub use service::{Service, ServiceConfig};
pub use store::BlockStore;
