//! The compact journey store every model reads.
//!
//! A million paths of a handful of touches fit in a few tens of MiB: channel names are
//! interned once (ids in order of first appearance), the touches of all paths live in one
//! flat `Vec<u32>` with an offset per path, and the counts are three `f64` columns.

use super::FxMap;

/// Journeys with their outcomes. Built with [`PathSetBuilder`] or [`super::read_paths`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathSet {
    names: Vec<String>,
    touches: Vec<u32>,
    /// `starts[i]..starts[i + 1]` are path i's touches; one more entry than paths.
    starts: Vec<u32>,
    conversions: Vec<f64>,
    values: Vec<f64>,
    nulls: Vec<f64>,
}

/// One path and its outcome, borrowed from a [`PathSet`].
#[derive(Debug, Clone, Copy)]
pub struct PathRef<'a> {
    /// Channel ids, in touch order (index into [`PathSet::channels`]).
    pub touches: &'a [u32],
    pub conversions: f64,
    pub value: f64,
    /// Journeys along this path that did not convert.
    pub null: f64,
}

impl PathSet {
    /// Channel names, indexed by id, in order of first appearance.
    pub fn channels(&self) -> &[String] {
        &self.names
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.conversions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conversions.is_empty()
    }

    /// Path `i`; panics when `i >= len()` like slice indexing.
    pub fn get(&self, i: usize) -> PathRef<'_> {
        let (a, b) = (self.starts[i] as usize, self.starts[i + 1] as usize);
        PathRef {
            touches: &self.touches[a..b],
            conversions: self.conversions[i],
            value: self.values[i],
            null: self.nulls[i],
        }
    }

    /// Every path, in input order.
    pub fn iter(&self) -> impl Iterator<Item = PathRef<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Sum of conversions over all paths: what every model distributes.
    pub fn total_conversions(&self) -> f64 {
        self.conversions.iter().sum()
    }

    /// Sum of conversion value over all paths.
    pub fn total_value(&self) -> f64 {
        self.values.iter().sum()
    }
}

/// Why a path cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("expected at least one touch")]
    NoTouches,
    #[error("expected a channel name, found an empty one")]
    EmptyChannel,
    #[error("expected a channel name in UTF-8")]
    NotUtf8,
    #[error("expected a non-negative, finite number of {0}")]
    BadCount(&'static str),
    #[error("too many touches (more than 4,294,967,295 in all)")]
    TooLarge,
}

/// Builds a [`PathSet`] path by path: [`Self::intern`] / [`Self::push_touch`] the touches,
/// then [`Self::finish_path`]; or [`Self::push_path`] with names.
#[derive(Debug)]
pub struct PathSetBuilder {
    set: PathSet,
    index: FxMap<Box<[u8]>, u32>,
    /// A direct-mapped cache of ids by (length, first and last byte): with the usual dozen
    /// channels almost every touch is found with one comparison and no hashing.
    cache: Box<[u32; 256]>,
    open: usize,
}

fn slot(name: &[u8]) -> usize {
    let (f, l) = (
        name.first().copied().unwrap_or(0),
        name.last().copied().unwrap_or(0),
    );
    (name.len().wrapping_mul(31)
        ^ usize::from(f).wrapping_mul(7)
        ^ usize::from(l).wrapping_mul(131))
        & 255
}

impl Default for PathSetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PathSetBuilder {
    pub fn new() -> Self {
        let set = PathSet {
            starts: vec![0],
            ..PathSet::default()
        };
        Self {
            set,
            index: FxMap::default(),
            cache: Box::new([u32::MAX; 256]),
            open: 0,
        }
    }

    /// A builder with room for `paths` paths of `touches` touches in all.
    pub fn with_capacity(paths: usize, touches: usize) -> Self {
        let mut b = Self::new();
        b.set.touches.reserve_exact(touches);
        b.set.starts.reserve_exact(paths);
        for v in [&mut b.set.conversions, &mut b.set.values, &mut b.set.nulls] {
            v.reserve_exact(paths);
        }
        b
    }

    /// The id of channel `name` (already trimmed), interning it on first sight. Only a new
    /// name allocates, so a million paths over a dozen channels allocate a dozen strings.
    pub fn intern(&mut self, name: &[u8]) -> Result<u32, PathError> {
        let slot = slot(name);
        let cached = self.cache[slot];
        if self
            .set
            .names
            .get(cached as usize)
            .is_some_and(|n| n.as_bytes() == name)
        {
            return Ok(cached);
        }
        if let Some(&id) = self.index.get(name) {
            self.cache[slot] = id;
            return Ok(id);
        }
        if name.is_empty() {
            return Err(PathError::EmptyChannel);
        }
        let text = std::str::from_utf8(name).map_err(|_| PathError::NotUtf8)?;
        let id = u32::try_from(self.set.names.len()).map_err(|_| PathError::TooLarge)?;
        self.set.names.push(text.to_owned());
        self.index.insert(name.into(), id);
        self.cache[slot] = id;
        Ok(id)
    }

    /// Appends a touch of channel `id` (from [`Self::intern`]) to the open path.
    pub fn push_touch(&mut self, id: u32) {
        self.set.touches.push(id);
        self.open += 1;
    }

    /// Closes the open path with its outcome. Counts must be finite and ≥ 0.
    pub fn finish_path(
        &mut self,
        conversions: f64,
        value: f64,
        null: f64,
    ) -> Result<(), PathError> {
        let result = self.check_close(conversions, value, null);
        if result.is_err() {
            let keep = self.set.touches.len() - self.open;
            self.set.touches.truncate(keep);
            self.open = 0;
            return result;
        }
        self.set.starts.push(self.set.touches.len() as u32);
        self.set.conversions.push(conversions);
        self.set.values.push(value);
        self.set.nulls.push(null);
        self.open = 0;
        Ok(())
    }

    fn check_close(&self, conversions: f64, value: f64, null: f64) -> Result<(), PathError> {
        if self.open == 0 {
            return Err(PathError::NoTouches);
        }
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(conversions) {
            return Err(PathError::BadCount("conversions"));
        }
        if !ok(value) {
            return Err(PathError::BadCount("value"));
        }
        if !ok(null) {
            return Err(PathError::BadCount("null journeys"));
        }
        if u32::try_from(self.set.touches.len()).is_err() {
            return Err(PathError::TooLarge);
        }
        Ok(())
    }

    /// Adds a whole path from channel names (each trimmed of surrounding spaces).
    pub fn push_path<'a>(
        &mut self,
        names: impl IntoIterator<Item = &'a str>,
        conversions: f64,
        value: f64,
        null: f64,
    ) -> Result<(), PathError> {
        for name in names {
            match self.intern(name.trim().as_bytes()) {
                Ok(id) => self.push_touch(id),
                Err(e) => {
                    let keep = self.set.touches.len() - self.open;
                    self.set.touches.truncate(keep);
                    self.open = 0;
                    return Err(e);
                }
            }
        }
        self.finish_path(conversions, value, null)
    }

    /// The finished set (an unfinished open path is dropped).
    pub fn build(mut self) -> PathSet {
        let keep = self.set.touches.len() - self.open;
        self.set.touches.truncate(keep);
        self.set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_interned_in_order_of_first_appearance() {
        let mut b = PathSetBuilder::new();
        b.push_path(["b", " a ", "b"], 1.0, 10.0, 2.0).unwrap();
        b.push_path(["c", "a"], 0.0, 0.0, 1.0).unwrap();
        let set = b.build();
        assert_eq!(set.channels(), ["b", "a", "c"]);
        assert_eq!(set.get(0).touches, [0, 1, 0]);
        assert_eq!(set.get(1).touches, [2, 1]);
        assert_eq!(set.total_conversions(), 1.0);
        assert_eq!(set.total_value(), 10.0);
    }

    #[test]
    fn a_rejected_path_leaves_no_touches_behind() {
        let mut b = PathSetBuilder::new();
        assert_eq!(
            b.push_path(["a", ""], 1.0, 0.0, 0.0),
            Err(PathError::EmptyChannel)
        );
        assert_eq!(
            b.push_path(["a"], -1.0, 0.0, 0.0),
            Err(PathError::BadCount("conversions"))
        );
        assert_eq!(b.push_path([], 1.0, 0.0, 0.0), Err(PathError::NoTouches));
        b.push_path(["z"], 1.0, 0.0, 0.0).unwrap();
        let set = b.build();
        assert_eq!(set.len(), 1);
        assert_eq!(set.get(0).touches, [1]);
    }
}
