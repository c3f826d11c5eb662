//! Which items and client tokens in-flight transactions hold.
//!
//! DynamoDB cancels a transaction (reason `TransactionConflict`) when another transaction
//! is working on one of its items, instead of queueing it. Eddy's stripe locks would
//! serialise the two transactions silently, so transactions additionally claim their
//! exact item keys here, without waiting: a claim that meets a key another transaction
//! holds fails at once, and the transaction is cancelled with `TransactionConflict` on
//! those items. A TransactGetItems that meets a claimed key is cancelled the same way.
//! Plain (non-transactional) writes do not look here: they wait on the stripe lock for
//! the few milliseconds the transaction holds it (see docs/compatibility.md).
//!
//! Claims are exact storage keys (table id + item key), not stripes, so unrelated items
//! that share a stripe never conflict. Claiming is one critical section over a set, so
//! two transactions can never both claim the same key, and nothing ever waits here, so
//! it cannot deadlock with the stripe locks.

use parking_lot::Mutex;
use std::collections::HashSet;

/// The keys and tokens of every transaction in flight on this node.
#[derive(Default)]
pub struct TxnRegistry {
    items: Mutex<HashSet<Vec<u8>>>,
    tokens: Mutex<HashSet<String>>,
}

/// The item keys one transaction holds; released on drop.
pub struct ItemClaim<'a> {
    registry: &'a TxnRegistry,
    keys: Vec<Vec<u8>>,
}

/// A client request token held by one in-flight transaction; released on drop.
pub struct TokenClaim<'a> {
    registry: &'a TxnRegistry,
    token: String,
}

impl TxnRegistry {
    /// Claims every key of `keys` (storage keys, distinct), or claims none and returns
    /// the positions of the keys another transaction holds.
    pub fn claim_items(&self, keys: &[Vec<u8>]) -> Result<ItemClaim<'_>, Vec<usize>> {
        let mut held = self.items.lock();
        let busy: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| held.contains(*k))
            .map(|(i, _)| i)
            .collect();
        if !busy.is_empty() {
            return Err(busy);
        }
        held.extend(keys.iter().cloned());
        Ok(ItemClaim {
            registry: self,
            keys: keys.to_vec(),
        })
    }

    /// The positions of the keys in `keys` that an in-flight transaction holds.
    pub fn busy_items(&self, keys: &[Vec<u8>]) -> Vec<usize> {
        let held = self.items.lock();
        keys.iter()
            .enumerate()
            .filter(|(_, k)| held.contains(*k))
            .map(|(i, _)| i)
            .collect()
    }

    /// Claims a client request token; `None` when a transaction using it is in flight.
    pub fn claim_token(&self, token: &str) -> Option<TokenClaim<'_>> {
        let mut held = self.tokens.lock();
        if !held.insert(token.to_string()) {
            return None;
        }
        Some(TokenClaim {
            registry: self,
            token: token.to_string(),
        })
    }
}

impl Drop for ItemClaim<'_> {
    fn drop(&mut self) {
        let mut held = self.registry.items.lock();
        for k in &self.keys {
            held.remove(k);
        }
    }
}

impl Drop for TokenClaim<'_> {
    fn drop(&mut self) {
        self.registry.tokens.lock().remove(&self.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_exclusive_and_released_on_drop() {
        let reg = TxnRegistry::default();
        let a = vec![b"a".to_vec(), b"b".to_vec()];
        let claim = reg.claim_items(&a).expect("first claim");
        let overlap = vec![b"c".to_vec(), b"b".to_vec()];
        assert_eq!(reg.claim_items(&overlap).err(), Some(vec![1]));
        // A failed claim holds nothing: "c" is still free.
        assert_eq!(reg.busy_items(&[b"c".to_vec()]), Vec::<usize>::new());
        assert_eq!(reg.busy_items(&overlap), vec![1]);
        drop(claim);
        assert!(reg.claim_items(&overlap).is_ok());
    }

    #[test]
    fn tokens_are_exclusive() {
        let reg = TxnRegistry::default();
        let t = reg.claim_token("tok").expect("free token");
        assert!(reg.claim_token("tok").is_none());
        assert!(reg.claim_token("other").is_some());
        drop(t);
        assert!(reg.claim_token("tok").is_some());
    }
}
