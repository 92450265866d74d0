//! A bounded memory of keys seen lately. Slack delivers one channel
//! message twice (`app_mention` and `message`) and retries envelopes, so
//! side effects that are not journaled — a greeting, a rejection shown on
//! the dashboard — must happen once per key without growing forever.

use std::collections::VecDeque;
use std::sync::Mutex;

pub struct RecentKeys {
    capacity: usize,
    keys: Mutex<VecDeque<String>>,
}

impl RecentKeys {
    pub fn new(capacity: usize) -> RecentKeys {
        RecentKeys {
            capacity: capacity.max(1),
            keys: Mutex::new(VecDeque::new()),
        }
    }

    /// True the first time `key` is offered (and remembers it); false while
    /// it is still among the last `capacity` keys.
    pub fn first_time(&self, key: &str) -> bool {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if keys.iter().any(|k| k == key) {
            return false;
        }
        if keys.len() >= self.capacity {
            keys.pop_front();
        }
        keys.push_back(key.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::RecentKeys;

    #[test]
    fn a_key_counts_once_until_it_is_pushed_out() {
        let recent = RecentKeys::new(2);
        assert!(recent.first_time("a"));
        assert!(!recent.first_time("a"));
        assert!(recent.first_time("b"));
        assert!(recent.first_time("c"));
        // "a" fell out of the memory of two.
        assert!(recent.first_time("a"));
        assert!(!recent.first_time("c"));
    }
}
