//! Rewriting the data files' regexes for normalised input.
//!
//! The data files write patterns for raw text (`\s*` between characters, `\b`, lookarounds).
//! Posylka matches them against the *normalised* number, which has no white space, hyphens or
//! dots, and anchors them at both ends. That lets most patterns drop their lookarounds and run
//! in the finite-automaton engines; the few whose lookarounds carry meaning keep them and run in
//! a backtracking engine, but only after the single-pass set has said they can match.

/// A pattern rewritten for normalised input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rewritten {
    /// The pattern with its lookarounds kept (exact semantics).
    pub exact: String,
    /// The pattern with lookarounds removed: it matches a superset of `exact`.
    pub superset: String,
    /// Whether the pattern had lookarounds, so that `superset` differs from `exact`.
    pub has_lookaround: bool,
}

/// Rewrite `source` for normalised input: drop `\s` (it can only match nothing there),
/// `\b` (always true between the anchors of an alphanumeric string), and literal hyphens (the
/// normaliser removes them); anchor the result.
pub(crate) fn rewrite(source: &str) -> Rewritten {
    let (exact, has_lookaround) = strip(source, false);
    let (superset, _) = strip(source, true);
    Rewritten {
        exact: format!(r"\A(?:{exact})\z"),
        superset: format!(r"\A(?:{superset})\z"),
        has_lookaround,
    }
}

fn strip(source: &str, drop_lookaround: bool) -> (String, bool) {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut has_lookaround = false;
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            if e == 's' {
                i += 2;
                // A quantifier on a removed `\s` goes with it.
                if !in_class && i < chars.len() && matches!(chars[i], '*' | '+' | '?') {
                    i += 1;
                }
                continue;
            }
            if e == 'b' && !in_class {
                i += 2;
                continue;
            }
            out.push(c);
            out.push(e);
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push(']');
                    i += 1;
                }
                i += 1;
            }
            '-' => i += 1,
            '(' if is_lookaround(&chars[i..]) => {
                has_lookaround = true;
                if drop_lookaround {
                    i = skip_group(&chars, i);
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    (out, has_lookaround)
}

/// How the names of [`look_group_name`] begin.
pub(crate) const LOOK_GROUP_PREFIX: &str = "__look";

/// The name standing for lookaround `i` in [`lookarounds_as_groups`].
pub(crate) fn look_group_name(i: usize) -> String {
    format!("{LOOK_GROUP_PREFIX}{i}")
}

/// `exact` with each lookahead replaced by an empty named group (see [`look_group_name`]), and
/// each lookahead's (negated, body). Where such a group sits tells where its lookahead is
/// checked. `None` for a lookbehind or a lookahead inside another, which this does not do.
pub(crate) fn lookarounds_as_groups(exact: &str) -> Option<(String, Vec<(bool, String)>)> {
    lookaheads_as_groups(exact, false)
}

/// As [`lookarounds_as_groups`], but only the outermost lookaheads are replaced: a body may
/// hold lookaheads of its own (to be replaced in turn). `None` for a lookbehind.
pub(crate) fn outer_lookaheads_as_groups(exact: &str) -> Option<(String, Vec<(bool, String)>)> {
    lookaheads_as_groups(exact, true)
}

fn lookaheads_as_groups(exact: &str, nested: bool) -> Option<(String, Vec<(bool, String)>)> {
    let chars: Vec<char> = exact.chars().collect();
    let mut out = String::with_capacity(exact.len());
    let mut looks = Vec::new();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                out.extend(chars.get(i..i + 2).unwrap_or(&chars[i..]));
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class && is_lookaround(&chars[i..]) => {
                if chars.get(i + 2) == Some(&'<') {
                    return None;
                }
                let end = skip_group(&chars, i);
                let body: String = chars.get(i + 3..end.checked_sub(1)?)?.iter().collect();
                if body.contains("(?<=")
                    || body.contains("(?<!")
                    || (!nested && (body.contains("(?=") || body.contains("(?!")))
                {
                    return None;
                }
                out.push_str(&format!("(?<{}>)", look_group_name(looks.len())));
                looks.push((chars[i + 2] == '!', body));
                i = end;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Some((out, looks))
}

fn is_lookaround(rest: &[char]) -> bool {
    matches!(
        rest,
        ['(', '?', '=' | '!', ..] | ['(', '?', '<', '=' | '!', ..]
    )
}

/// The index just past the group that opens at `start`.
fn skip_group(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    let mut in_class = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_whitespace_word_boundaries_and_hyphens() {
        let r = rewrite(r"\s*\b(?<SerialNumber>(?:[0-9]\s*){14})\b-\s*1");
        assert_eq!(r.exact, r"\A(?:(?<SerialNumber>(?:[0-9]){14})1)\z");
        assert!(!r.has_lookaround);
        assert_eq!(r.exact, r.superset);
    }

    #[test]
    fn whitespace_inside_a_class_is_dropped_but_ranges_stay() {
        let r = rewrite(r"(?:GM|LX)(?<S>[0-9A-Z\s]{10,39})");
        assert_eq!(r.exact, r"\A(?:(?:GM|LX)(?<S>[0-9A-Z]{10,39}))\z");
    }

    #[test]
    fn lookaheads_become_empty_groups() {
        let (with_groups, looks) =
            lookarounds_as_groups(r"\A(?:GM(?<S>(?=[0-9A-Z]{10})(?![^0-9])[0-9A-Z]+))\z")
                .unwrap_or_default();
        assert_eq!(
            with_groups,
            r"\A(?:GM(?<S>(?<__look0>)(?<__look1>)[0-9A-Z]+))\z"
        );
        assert_eq!(
            looks,
            [
                (false, "[0-9A-Z]{10}".to_owned()),
                (true, "[^0-9]".to_owned())
            ]
        );
        assert_eq!(lookarounds_as_groups(r"(?=1(?!2))3"), None);
        assert_eq!(
            outer_lookaheads_as_groups(r"(?=1(?!2))3"),
            Some((
                "(?<__look0>)3".to_owned(),
                vec![(false, "1(?!2)".to_owned())]
            ))
        );
        assert_eq!(outer_lookaheads_as_groups(r"(?=1(?<!2))3"), None);
        assert_eq!(lookarounds_as_groups(r"(?<=1)3"), None);
        assert!(
            lookarounds_as_groups(r"(?<N>1)").is_some_and(|(p, l)| p == "(?<N>1)" && l.is_empty())
        );
    }

    #[test]
    fn lookarounds_are_kept_in_exact_and_dropped_in_superset() {
        let r = rewrite(r"(?<A>9\s*4)(?=9([0-9]){8}(?![0-9]))(?<B>[0-9]+)");
        assert!(r.has_lookaround);
        assert_eq!(
            r.exact,
            r"\A(?:(?<A>94)(?=9([0-9]){8}(?![0-9]))(?<B>[0-9]+))\z"
        );
        assert_eq!(r.superset, r"\A(?:(?<A>94)(?<B>[0-9]+))\z");
    }
}
