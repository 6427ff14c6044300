//! The format set: one automaton that says, in one pass over a normalised number, which
//! formats' shapes it fits.
//!
//! The build script determinises every format's pattern into one DFA ([`determinise`]) and
//! writes it out as a transition table over the 36 bytes a normalised number is made of
//! ([`Table`]); the library walks that table in place. regex-automata's own table has a column
//! for every byte class of the patterns, padded to a power of two (434 KB, more than a core's
//! L2 cache): the walk, one dependent load per byte, was a ninth of `posylka id`'s time,
//! waiting on cache misses. Over 36 symbols with 16-bit entries the table is a fraction of that.
//!
//! Shared by `build.rs` (which needs only [`determinise`] and [`Table::tabulate`]) and the
//! library (whose tests check the table against the DFA it came from).

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};

/// Columns of the table: the digits, then the letters A to Z.
pub(crate) const STRIDE: usize = 36;

/// The column of a byte of a normalised number; `None` for any other byte (no format fits).
pub(crate) fn symbol(b: u8) -> Option<usize> {
    match b {
        b'0'..=b'9' => Some(usize::from(b - b'0')),
        b'A'..=b'Z' => Some(usize::from(b - b'A') + 10),
        _ => None,
    }
}

/// One DFA for the patterns (each anchored at both ends), in which the state after a whole
/// number and the end-of-input transition holds every pattern the number fits.
// The library walks the generated table; it builds one only in its tests.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn determinise(patterns: &[String]) -> Result<dense::DFA<Vec<u32>>, String> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .minimize(true),
        )
        .thompson(thompson::Config::new().which_captures(WhichCaptures::None))
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build_many(patterns)
        .map_err(|e| format!("compiling the format set: {e}"))
}

/// A DFA's transitions over the [`STRIDE`] symbols, for the states reachable from its anchored
/// start, numbered in the order a breadth-first walk meets them (the states of short prefixes,
/// which every number passes through, lie together at the front).
// The library walks the generated table; it builds one only in its tests.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Table {
    /// `next[s * STRIDE + symbol]` is the state after `symbol` in state `s`, as an offset
    /// (`state * STRIDE`). State 0 is dead; state 1 is the start.
    pub next: Vec<u32>,
    /// The patterns a number ending in state `s` fits are
    /// `matches[match_start[s]..match_start[s + 1]]`, ascending.
    pub match_start: Vec<u32>,
    pub matches: Vec<u32>,
    /// How many patterns the DFA was built from.
    pub patterns: usize,
}

// The library walks the generated table; it builds one only in its tests.
#[cfg_attr(not(test), allow(dead_code))]
impl Table {
    pub(crate) fn tabulate(dfa: &dense::DFA<Vec<u32>>) -> Result<Table, String> {
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|e| format!("the format set's start state: {e}"))?;
        let too_many = || "the format set has too many states for its table".to_owned();
        // The DFA's state ids by our number (0, the dead state, holds the start as a filler).
        let mut states = vec![start, start];
        let mut ours = std::collections::HashMap::from([(start, 1u32)]);
        let mut next = vec![0; STRIDE];
        let mut at = 1;
        while at < states.len() {
            let mut row = [0u32; STRIDE];
            for byte in 0..=u8::MAX {
                let Some(column) = symbol(byte) else {
                    continue;
                };
                let to = dfa.next_state(states[at], byte);
                if dfa.is_dead_state(to) {
                    continue;
                }
                row[column] = match ours.get(&to) {
                    Some(&number) => number,
                    None => {
                        let number = u32::try_from(states.len()).map_err(|_| too_many())?;
                        states.push(to);
                        ours.insert(to, number);
                        number
                    }
                };
            }
            next.extend_from_slice(&row);
            at += 1;
        }
        let stride = u32::try_from(STRIDE).map_err(|_| too_many())?;
        u32::try_from(next.len()).map_err(|_| too_many())?;
        for n in &mut next {
            *n *= stride;
        }
        let (mut match_start, mut matches) = (vec![0, 0], Vec::new());
        for &state in &states[1..] {
            let eoi = dfa.next_eoi_state(state);
            if dfa.is_match_state(eoi) {
                let first = matches.len();
                for i in 0..dfa.match_len(eoi) {
                    matches.push(dfa.match_pattern(eoi, i).as_u32());
                }
                matches[first..].sort_unstable();
            }
            match_start.push(u32::try_from(matches.len()).map_err(|_| too_many())?);
        }
        Ok(Table {
            next,
            match_start,
            matches,
            patterns: dfa.pattern_len(),
        })
    }

    /// The patterns a whole `number` fits, walking the DFA's own table: what the table must
    /// agree with.
    #[cfg(test)]
    pub(crate) fn fitting_by_dfa(dfa: &dense::DFA<Vec<u32>>, number: &[u8]) -> Vec<u32> {
        let Ok(mut state) = dfa.start_state(&start::Config::new().anchored(Anchored::Yes)) else {
            return Vec::new();
        };
        for &b in number {
            state = dfa.next_state(state, b);
        }
        state = dfa.next_eoi_state(state);
        if !dfa.is_match_state(state) {
            return Vec::new();
        }
        let mut out: Vec<u32> = (0..dfa.match_len(state))
            .map(|i| dfa.match_pattern(state, i).as_u32())
            .collect();
        out.sort_unstable();
        out
    }
}
