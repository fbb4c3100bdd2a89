//! What the two hand-written parsers (DynamoDB expressions in `expr::parse`,
//! PartiQL in `partiql::parse`) share: a cursor over the text that remembers
//! the farthest place a token was expected and not found.
//!
//! Both parsers are ordered-choice, backtracking recursive descent: an
//! alternative that fails puts the cursor back where it started and the next
//! one is tried. A syntax error is reported at the farthest position any
//! attempt failed, which is where the text stops making sense however it is
//! read (`a = :v AND` fails at the end, not at `a`).
//!
//! They are written by hand rather than generated because a generated parser
//! cost more than a third of the browser bundle's engine code: every rule
//! and every sequence in it became functions of their own.

/// A position in the text and the farthest failed attempt so far.
pub(crate) struct Cursor<'s> {
    pub text: &'s str,
    pub pos: usize,
    /// The largest position at which an expected token was missing.
    pub furthest: usize,
}

impl<'s> Cursor<'s> {
    pub fn new(text: &'s str) -> Self {
        Cursor { text, pos: 0, furthest: 0 }
    }

    /// The bytes from the cursor on.
    pub fn rest(&self) -> &'s [u8] {
        &self.text.as_bytes()[self.pos..]
    }

    pub fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    /// Record that something expected at `at` was not there.
    pub fn miss(&mut self, at: usize) {
        self.furthest = self.furthest.max(at);
    }

    /// Consume `literal` if the text continues with it.
    pub fn eat(&mut self, literal: &str) -> bool {
        let found = self.rest().starts_with(literal.as_bytes());
        if found {
            self.pos += literal.len();
        }
        found
    }

    /// Consume `word` if the text continues with it in any ASCII case.
    pub fn eat_insensitive(&mut self, word: &str) -> bool {
        let found = self.rest().get(..word.len()).is_some_and(|s| s.eq_ignore_ascii_case(word.as_bytes()));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// Consume bytes while `f` holds; how many were consumed.
    pub fn eat_while(&mut self, f: fn(u8) -> bool) -> usize {
        let n = self.rest().iter().take_while(|&&b| f(b)).count();
        self.pos += n;
        n
    }

    /// The text from `start` to the cursor.
    pub fn since(&self, start: usize) -> &'s str {
        &self.text[start..self.pos]
    }

    /// Where `part`, a slice of the text, begins in it.
    pub fn offset_of(&self, part: &str) -> usize {
        part.as_ptr() as usize - self.text.as_ptr() as usize
    }

    /// Whether `ident` holds for the byte at the cursor.
    pub fn at_byte(&self, ident: fn(u8) -> bool) -> bool {
        self.peek().is_some_and(ident)
    }
}

/// Whether the text at the cursor reads as one of `words` (ASCII case
/// ignored), and how long that word is: the *first* word of the list the
/// text starts with must be followed by a byte that is not a word byte. The
/// first match decides, so a word of the list that another, earlier word
/// begins (`in`, then `into`) is never recognised on its own; the grammars
/// are specified that way.
pub(crate) fn keyword_len(rest: &[u8], words: &[&str], word_byte: fn(u8) -> bool) -> Option<usize> {
    let word = words.iter().find(|w| rest.get(..w.len()).is_some_and(|s| s.eq_ignore_ascii_case(w.as_bytes())))?;
    (!rest.get(word.len()).is_some_and(|&b| word_byte(b))).then_some(word.len())
}

/// Line and column (both from 1, columns in characters) of byte `pos` in
/// `text`; `\r\n` ends a line once.
pub(crate) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let (mut line, mut col) = (1, 1);
    let mut chars = text[..pos].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                (line, col) = (line + 1, 1);
            }
            '\n' => (line, col) = (line + 1, 1),
            _ => col += 1,
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_listed_word_decides() {
        let word = |b: u8| b.is_ascii_alphanumeric();
        assert_eq!(keyword_len(b"IN (", &["in", "into"], word), Some(2));
        assert_eq!(keyword_len(b"into", &["in", "into"], word), None);
        assert_eq!(keyword_len(b"into", &["into", "in"], word), Some(4));
        assert_eq!(keyword_len(b"inx", &["in"], word), None);
        assert_eq!(keyword_len(b"i", &["in"], word), None);
    }

    #[test]
    fn lines_and_columns_count_characters() {
        assert_eq!(line_col("ab", 2), (1, 3));
        assert_eq!(line_col("a\nb", 2), (2, 1));
        assert_eq!(line_col("a\r\nb", 3), (2, 1));
        assert_eq!(line_col("a\rb", 2), (1, 3));
        assert_eq!(line_col("üb", 2), (1, 2));
    }
}
