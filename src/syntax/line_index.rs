//! Byte offsets ↔ (line, column) in UTF-8 bytes, UTF-16 code units or characters.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as in LSP. A column past the end of its line is
//! clamped to the line's end; a line past the end of the text, to the end of the text.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    len: usize,
    /// Byte offsets of the non-ASCII characters, and running totals of how many bytes they
    /// take beyond one character (`extra_chars`) and beyond their UTF-16 length
    /// (`extra_utf16`), so that a column is found by binary search, whatever the line's
    /// length.
    wide: Vec<usize>,
    extra_chars: Vec<usize>,
    extra_utf16: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        let (mut wide, mut extra_chars, mut extra_utf16) = (Vec::new(), vec![0], vec![0]);
        if !text.is_ascii() {
            let (mut c, mut u) = (0, 0);
            for (at, ch) in text.char_indices().filter(|(_, ch)| !ch.is_ascii()) {
                wide.push(at);
                c += ch.len_utf8() - 1;
                u += ch.len_utf8() - ch.len_utf16();
                extra_chars.push(c);
                extra_utf16.push(u);
            }
        }
        LineIndex {
            starts,
            len: text.len(),
            wide,
            extra_chars,
            extra_utf16,
        }
    }

    /// The index of `new`, made from this index of `old` around the one edit that turns `old`
    /// into `new`: the lines and characters before and after the edit are moved, not read
    /// again, so an edit costs the size of the edit and the number of lines, not the text.
    pub fn after_edit(&self, old: &str, new: &str) -> LineIndex {
        self.after(super::Edit::between(old, new), old, new)
    }

    /// [`LineIndex::after_edit`] with the edit already known.
    pub fn after(&self, edit: super::Edit, old: &str, new: &str) -> LineIndex {
        if self.len != old.len() {
            return LineIndex::new(new);
        }
        let super::Edit {
            start,
            old_end,
            inserted,
        } = edit;
        let new_end = start + inserted;
        let delta = new.len() as isize - old.len() as isize;
        let moved = |at: usize| (at as isize + delta) as usize;
        let b = new.as_bytes();

        // line starts: kept before the edit, found again around it, moved after it
        let lo = start.saturating_sub(1);
        let mut starts: Vec<usize> = Vec::with_capacity(self.starts.len() + 8);
        starts.extend(self.starts.iter().copied().take_while(|&s| s <= lo));
        for p in lo..(new_end + 1).min(b.len()) {
            match b[p] {
                b'\n' => starts.push(p + 1),
                b'\r' if b.get(p + 1) != Some(&b'\n') => starts.push(p + 1),
                _ => {}
            }
        }
        let after = self.starts.partition_point(|&s| s < old_end + 2);
        starts.extend(self.starts[after..].iter().map(|&s| moved(s)));

        // non-ASCII characters: the same, on character boundaries
        let floor = |t: &str, mut at: usize| {
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let ceil = |t: &str, mut at: usize| {
            while !t.is_char_boundary(at) {
                at += 1;
            }
            at
        };
        let c0 = floor(new, start);
        let c1 = ceil(new, new_end);
        let old_c1 = ceil(old, old_end);
        let (mut wide, mut extra_chars, mut extra_utf16) = (Vec::new(), vec![0], vec![0]);
        let (mut c, mut u) = (0, 0);
        let mut push = |at: usize, chars: usize, utf16: usize| {
            wide.push(at);
            c += chars;
            u += utf16;
            extra_chars.push(c);
            extra_utf16.push(u);
        };
        let keep = self.wide.partition_point(|&w| w < c0);
        for i in 0..keep {
            push(
                self.wide[i],
                self.extra_chars[i + 1] - self.extra_chars[i],
                self.extra_utf16[i + 1] - self.extra_utf16[i],
            );
        }
        for (at, ch) in new[c0..c1].char_indices().filter(|(_, ch)| !ch.is_ascii()) {
            push(c0 + at, ch.len_utf8() - 1, ch.len_utf8() - ch.len_utf16());
        }
        for i in self.wide.partition_point(|&w| w < old_c1)..self.wide.len() {
            push(
                moved(self.wide[i]),
                self.extra_chars[i + 1] - self.extra_chars[i],
                self.extra_utf16[i + 1] - self.extra_utf16[i],
            );
        }
        LineIndex {
            starts,
            len: new.len(),
            wide,
            extra_chars,
            extra_utf16,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of a line's content (without its line break).
    fn line_bounds(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let b = text.as_bytes();
        if end > start && b.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && b.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (start, end)
    }

    /// The byte range of a 0-based line's content, without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        if line >= self.starts.len() {
            return self.len..self.len;
        }
        let (start, end) = self.line_bounds(text, line);
        start..end
    }

    /// 0-based line and column of a byte offset (clamped into the text and onto a char boundary).
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> (usize, usize) {
        let mut offset = offset.min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let (start, end) = self.line_bounds(text, line);
        let stop = offset.min(end).max(start);
        let bytes = stop - start;
        // the non-ASCII characters in [start, stop)
        let i0 = self.wide.partition_point(|&w| w < start);
        let i1 = self.wide.partition_point(|&w| w < stop);
        let col = match unit {
            ColumnUnit::Utf8 => bytes,
            ColumnUnit::Utf16 => bytes - (self.extra_utf16[i1] - self.extra_utf16[i0]),
            ColumnUnit::Char => bytes - (self.extra_chars[i1] - self.extra_chars[i0]),
        };
        (line, col)
    }

    /// The byte offset of a 0-based line and column.
    pub fn offset(&self, text: &str, line: usize, col: usize, unit: ColumnUnit) -> usize {
        if line >= self.starts.len() {
            return self.len;
        }
        let (start, end) = self.line_bounds(text, line);
        let content = &text[start..end];
        let mut seen = 0;
        for (i, ch) in content.char_indices() {
            if seen >= col {
                return start + i;
            }
            seen += match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if seen > col {
                // inside a character: snap to its start
                return start + i;
            }
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_cjk_and_crlf() {
        let text = "a😀b\r\n漢字x\rlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 3);
        let b = text.find('b').unwrap();
        assert_eq!(idx.position(text, b, ColumnUnit::Utf16), (0, 3));
        assert_eq!(idx.position(text, b, ColumnUnit::Utf8), (0, 5));
        assert_eq!(idx.position(text, b, ColumnUnit::Char), (0, 2));
        let x = text.find('x').unwrap();
        assert_eq!(idx.position(text, x, ColumnUnit::Utf16), (1, 2));
        assert_eq!(idx.position(text, x, ColumnUnit::Utf8), (1, 6));
        assert_eq!(idx.offset(text, 1, 2, ColumnUnit::Utf16), x);
        assert_eq!(idx.offset(text, 1, 6, ColumnUnit::Utf8), x);
        // past the end of a line: its end, before the line break
        assert_eq!(
            idx.offset(text, 0, 99, ColumnUnit::Utf16),
            text.find('\r').unwrap()
        );
        // past the last line
        assert_eq!(idx.offset(text, 9, 0, ColumnUnit::Utf16), text.len());
        assert_eq!(idx.position(text, text.len(), ColumnUnit::Utf16), (2, 4));
        // inside the surrogate pair of 😀 snaps to its start
        assert_eq!(idx.offset(text, 0, 2, ColumnUnit::Utf16), 1);
        // the \r of a CRLF belongs to no column
        assert_eq!(
            idx.position(text, text.find('\r').unwrap() + 1, ColumnUnit::Utf16),
            (0, 4)
        );
    }

    proptest::proptest! {
        #[test]
        fn an_index_moved_around_an_edit_is_the_index_of_the_new_text(
            text in "(\\PC|\r\n|\r|\n|é|😀){0,40}",
            insert in "(\\PC|\r\n|\r|\n|é|😀){0,6}",
            from in 0usize..60,
            len in 0usize..8,
        ) {
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let a = bounds[from % bounds.len()];
            let b = bounds[(from % bounds.len() + len).min(bounds.len() - 1)];
            let new = format!("{}{}{}", &text[..a], insert, &text[b..]);
            let moved = LineIndex::new(&text).after_edit(&text, &new);
            proptest::prop_assert_eq!(moved, LineIndex::new(&new));
        }

        #[test]
        fn round_trips_on_arbitrary_text(text in "(\\PC|\r\n|\r|\n){0,40}", pick in 0usize..200) {
            let idx = LineIndex::new(&text);
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let offset = boundaries[pick % boundaries.len()];
            // offsets inside a line break are not addressable; skip them
            let on_break = offset > 0 && text.as_bytes()[offset - 1] == b'\r' && text.as_bytes().get(offset) == Some(&b'\n');
            if !on_break {
                for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
                    let (l, c) = idx.position(&text, offset, unit);
                    proptest::prop_assert_eq!(idx.offset(&text, l, c, unit), offset);
                }
            }
        }
    }
}
