//! Which /24 each conversation's internal network gets.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// Octet `n` stands for `base.n.0/24`; 1..=254 are usable.
#[derive(Debug)]
pub struct SubnetPool {
    base: [u8; 2],
    in_use: BTreeSet<u8>,
    cursor: u8,
}

impl SubnetPool {
    /// `base` is the first two octets (default 10.199).
    pub fn new(base: [u8; 2]) -> SubnetPool {
        SubnetPool {
            base,
            in_use: BTreeSet::new(),
            cursor: 0,
        }
    }

    /// The next free octet after the cursor (rotating, so a just-released
    /// subnet is not reused at once while the engine may still hold it).
    pub fn allocate(&mut self) -> Option<u8> {
        for _ in 0..254 {
            self.cursor = if self.cursor >= 254 {
                1
            } else {
                self.cursor + 1
            };
            if self.in_use.insert(self.cursor) {
                return Some(self.cursor);
            }
        }
        None
    }

    pub fn release(&mut self, octet: u8) {
        self.in_use.remove(&octet);
    }

    pub fn subnet(&self, octet: u8) -> String {
        format!("{}.{}.{octet}.0/24", self.base[0], self.base[1])
    }

    pub fn gateway(&self, octet: u8) -> Ipv4Addr {
        Ipv4Addr::new(self.base[0], self.base[1], octet, 1)
    }

    /// The proxy's address on the network.
    pub fn proxy_ip(&self, octet: u8) -> Ipv4Addr {
        Ipv4Addr::new(self.base[0], self.base[1], octet, 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_rotating_unique_octets() {
        let mut pool = SubnetPool::new([10, 199]);
        let a = pool.allocate().expect("a");
        let b = pool.allocate().expect("b");
        assert_ne!(a, b);
        pool.release(a);
        let c = pool.allocate().expect("c");
        assert_ne!(c, a, "a released octet is not reused at once");
        assert_eq!(pool.subnet(c), format!("10.199.{c}.0/24"));
        assert_eq!(pool.proxy_ip(c), Ipv4Addr::new(10, 199, c, 2));
    }

    #[test]
    fn exhausts_after_254() {
        let mut pool = SubnetPool::new([10, 199]);
        for _ in 0..254 {
            assert!(pool.allocate().is_some());
        }
        assert_eq!(pool.allocate(), None);
        pool.release(77);
        assert_eq!(pool.allocate(), Some(77));
    }
}
