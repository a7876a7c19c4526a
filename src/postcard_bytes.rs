//! postcard's output into a `Vec` sized ahead, for the caches a build
//! writes (Markdown bodies, search parses).

use serde::Serialize;

/// `value`'s postcard bytes, in a `Vec` of at least `capacity` bytes to
/// start with. A size guessed ahead spares the copies of a `Vec` grown by
/// doubling: a chunk of 256 article bodies is about 3.5 MB.
pub fn to_vec_with_capacity<T: Serialize + ?Sized>(
    value: &T,
    capacity: usize,
) -> postcard::Result<Vec<u8>> {
    postcard::serialize_with_flavor(value, Bytes(Vec::with_capacity(capacity)))
}

/// Short runs pushed byte by byte: postcard hands over lengths and numbers
/// as varints of one to five bytes, and `extend_from_slice` calls `memcpy`
/// for each (postcard's own `Vec` flavor did: a few per cent of a clean
/// search-on build's CPU in `perf`).
struct Bytes(Vec<u8>);

impl postcard::ser_flavors::Flavor for Bytes {
    type Output = Vec<u8>;

    #[inline]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        if data.len() <= 8 {
            self.0.reserve(data.len());
            for &byte in data {
                self.0.push(byte);
            }
        } else {
            self.0.extend_from_slice(data);
        }
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_bytes_as_postcard() {
        let value = (
            "a string longer than eight bytes",
            vec![1u64, 300, 70_000, u64::MAX],
            "short",
        );
        assert_eq!(
            super::to_vec_with_capacity(&value, 4).unwrap(),
            postcard::to_stdvec(&value).unwrap()
        );
    }
}
