//! Server identity: the id clients see in INFO and monitoring.
//!
//! nats-server's ids are nkey public server keys: 56 base32 characters
//! starting with `N`. Clients only compare them, so a random id of the same
//! shape is indistinguishable to them.

use rand::Rng;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh random server id in nkey shape.
pub fn server_id() -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(56);
    id.push('N');
    for _ in 1..56 {
        id.push(BASE32[rng.gen_range(0..32)] as char);
    }
    id
}
