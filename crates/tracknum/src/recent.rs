//! The last few values of a computation, found by key: for work that recurs close together,
//! as the numbers of one message do (subject, body, tracking link).

/// The last `N` values stored, found by key; once `N` are kept, the oldest is replaced.
#[derive(Debug)]
pub(crate) struct Recent<K, V, const N: usize> {
    entries: Vec<(K, V)>,
    /// The entry replaced next once all `N` are taken.
    next: usize,
}

impl<K, V, const N: usize> Default for Recent<K, V, N> {
    fn default() -> Self {
        Recent {
            entries: Vec::new(),
            next: 0,
        }
    }
}

impl<K: PartialEq, V: Default, const N: usize> Recent<K, V, N> {
    /// The value kept for `key`, if any.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A slot to keep `key`'s value in: a fresh one while fewer than `N` are kept, else the
    /// oldest, whose allocations the caller may reuse by overwriting it.
    pub(crate) fn slot(&mut self, key: K) -> &mut V {
        if self.entries.len() < N {
            self.entries.push((key, V::default()));
            let last = self.entries.len() - 1;
            return &mut self.entries[last].1;
        }
        let entry = &mut self.entries[self.next];
        self.next = (self.next + 1) % N;
        entry.0 = key;
        &mut entry.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_n_and_replaces_the_oldest() {
        let mut recent: Recent<u32, String, 2> = Recent::default();
        recent.slot(1).push_str("one");
        recent.slot(2).push_str("two");
        assert_eq!(recent.get(&1).map(String::as_str), Some("one"));
        // Full: 3 replaces 1, then 4 replaces 2; the slot handed back holds the old value.
        let slot = recent.slot(3);
        assert_eq!(slot, "one");
        slot.clear();
        slot.push_str("three");
        recent.slot(4).clear();
        assert_eq!(recent.get(&1), None);
        assert_eq!(recent.get(&2), None);
        assert_eq!(recent.get(&3).map(String::as_str), Some("three"));
        assert_eq!(recent.get(&4).map(String::as_str), Some(""));
    }
}
