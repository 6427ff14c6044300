//! A backtracking matcher for the few patterns whose lookaheads have no fixed place (the USPS
//! IMpb formats), on `regex-automata`'s Thompson NFA instead of a backtracking regex library:
//! compiling one of those costs milliseconds, more than identifying a hundred thousand numbers.
//!
//! Each outermost lookahead is replaced by an empty named group; when the search passes that
//! group's start, the lookahead's body (itself such a matcher, so lookaheads may nest) is run
//! there. The search explores alternatives in priority order, exactly as a backtracking engine
//! does, so the first match and its groups are the same. A (state, position) pair that failed
//! once fails again (a lookahead's outcome depends on the position only), so each is visited at
//! most once: the search is linear in pattern size times number length.

use regex_automata::PatternID;
use regex_automata::nfa::thompson::{self, NFA, State};
use regex_automata::util::primitives::StateID;
use regex_automata::util::syntax;

use crate::pattern;

/// A pattern with lookaheads, matched anchored at a given position.
#[derive(Debug)]
pub(crate) struct LookMatcher {
    nfa: NFA,
    /// By capture group index: the lookahead the group stands for.
    look_of_group: Vec<Option<usize>>,
    /// Each lookahead: (negated, body).
    looks: Vec<(bool, LookMatcher)>,
}

/// One step of the search still to take.
enum Frame {
    Explore(StateID, usize),
    /// Put a capture slot back when the branch that set it failed.
    Restore(usize, Option<usize>),
}

impl LookMatcher {
    /// The matcher for `pattern`; `Ok(None)` when it has a lookbehind.
    pub(crate) fn new(pattern: &str) -> Result<Option<LookMatcher>, String> {
        let Some((with_groups, bodies)) = pattern::outer_lookaheads_as_groups(pattern) else {
            return Ok(None);
        };
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(thompson::Config::new().utf8(false))
            .build(&with_groups)
            .map_err(|e| format!("{with_groups:?}: {e}"))?;
        let mut look_of_group = Vec::new();
        for name in nfa.group_info().pattern_names(PatternID::ZERO) {
            look_of_group.push(
                name.and_then(|n| n.strip_prefix(pattern::LOOK_GROUP_PREFIX))
                    .and_then(|i| i.parse::<usize>().ok()),
            );
        }
        let mut looks = Vec::new();
        for (negated, body) in bodies {
            match LookMatcher::new(&body)? {
                Some(m) => looks.push((negated, m)),
                None => return Ok(None),
            }
        }
        Ok(Some(LookMatcher {
            nfa,
            look_of_group,
            looks,
        }))
    }

    /// How many capture slots [`LookMatcher::find`] fills: two per group (start, end).
    pub(crate) fn slot_len(&self) -> usize {
        self.nfa.group_info().slot_len()
    }

    /// The capture group index of the group named `name`.
    #[cfg(test)]
    fn group_index(&self, name: &str) -> Option<usize> {
        self.nfa.group_info().to_index(PatternID::ZERO, name)
    }

    /// Each capture group's name, by group index.
    pub(crate) fn group_names(&self) -> impl Iterator<Item = Option<&str>> {
        self.nfa.group_info().pattern_names(PatternID::ZERO)
    }

    /// Whether the pattern matches `hay` starting at `start`; on a match `slots` (as many as
    /// [`LookMatcher::slot_len`], or fewer to read none) hold the first match's groups.
    pub(crate) fn find(&self, hay: &[u8], start: usize, slots: &mut [Option<usize>]) -> bool {
        slots.iter_mut().for_each(|s| *s = None);
        let nfa = &self.nfa;
        let stride = hay.len() + 1;
        let mut visited = vec![0u64; (nfa.states().len() * stride).div_ceil(64)];
        let mut stack = vec![Frame::Explore(nfa.start_anchored(), start)];
        while let Some(frame) = stack.pop() {
            let (mut sid, mut at) = match frame {
                Frame::Explore(sid, at) => (sid, at),
                Frame::Restore(slot, old) => {
                    slots[slot] = old;
                    continue;
                }
            };
            loop {
                let key = sid.as_usize() * stride + at;
                let (word, bit) = (key / 64, 1u64 << (key % 64));
                if visited[word] & bit != 0 {
                    break;
                }
                visited[word] |= bit;
                match nfa.state(sid) {
                    State::ByteRange { trans } => match hay.get(at) {
                        Some(&b) if trans.matches_byte(b) => {
                            sid = trans.next;
                            at += 1;
                        }
                        _ => break,
                    },
                    State::Sparse(sparse) => {
                        match hay.get(at).and_then(|&b| sparse.matches_byte(b)) {
                            Some(next) => {
                                sid = next;
                                at += 1;
                            }
                            None => break,
                        }
                    }
                    State::Dense(dense) => match hay.get(at).and_then(|&b| dense.matches_byte(b)) {
                        Some(next) => {
                            sid = next;
                            at += 1;
                        }
                        None => break,
                    },
                    State::Look { look, next } => {
                        if !nfa.look_matcher().matches(*look, hay, at) {
                            break;
                        }
                        sid = *next;
                    }
                    State::Union { alternates } => {
                        let Some((&first, rest)) = alternates.split_first() else {
                            break;
                        };
                        // Later alternatives are tried only when the earlier ones fail.
                        stack.extend(rest.iter().rev().map(|&alt| Frame::Explore(alt, at)));
                        sid = first;
                    }
                    State::BinaryUnion { alt1, alt2 } => {
                        stack.push(Frame::Explore(*alt2, at));
                        sid = *alt1;
                    }
                    State::Capture {
                        next,
                        group_index,
                        slot,
                        ..
                    } => {
                        let slot = slot.as_usize();
                        // A lookahead is checked where its group opens.
                        if slot % 2 == 0
                            && let Some(&Some(i)) = self.look_of_group.get(group_index.as_usize())
                            && let Some((negated, body)) = self.looks.get(i)
                            && body.find(hay, at, &mut []) == *negated
                        {
                            break;
                        }
                        if let Some(s) = slots.get_mut(slot) {
                            stack.push(Frame::Restore(slot, *s));
                            *s = Some(at);
                        }
                        sid = *next;
                    }
                    State::Fail => break,
                    State::Match { .. } => return true,
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(pattern: &str) -> LookMatcher {
        match LookMatcher::new(pattern) {
            Ok(Some(m)) => m,
            other => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn lookaheads_steer_the_match_like_a_backtracker() {
        // Without the lookahead the first branch would take four digits.
        let m = matcher(r"\A(?:(?<A>[0-9]{4}(?=X)|[0-9]{2})(?<B>[0-9X]+))\z");
        let a = m.group_index("A").unwrap_or_default();
        let mut slots = vec![None; m.slot_len()];
        assert!(m.find(b"1234X", 0, &mut slots));
        assert_eq!((slots[2 * a], slots[2 * a + 1]), (Some(0), Some(4)));
        assert!(m.find(b"123456", 0, &mut slots));
        assert_eq!((slots[2 * a], slots[2 * a + 1]), (Some(0), Some(2)));
        assert!(!m.find(b"1", 0, &mut slots));
    }

    #[test]
    fn nested_and_negated_lookaheads() {
        let m = matcher(r"\A(?:9(?=[0-9]{3}(?![0-9]))[0-9]+)\z");
        assert!(m.find(b"9123", 0, &mut []));
        assert!(!m.find(b"91234", 0, &mut []));
        assert!(!m.find(b"912", 0, &mut []));
        assert!(LookMatcher::new(r"(?<=1)2").is_ok_and(|m| m.is_none()));
    }
}
