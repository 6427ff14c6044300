//! Text rules: phrases from `data/text-rules.tsv` set *tags*; a fixed precedence over the tags
//! picks the milestone. Keeping phrases as data and precedence as code lets the vocabulary grow
//! without touching the conflict resolution, which is where the traps live.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::milestone::{Milestone, Reason, Side};

use super::text::canonicalize_into;

macro_rules! tags {
    ($($tag:ident),+ $(,)?) => {
        /// A concept a phrase can signal.
        // Upper-case names match the tag column of the data file.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Tag { $($tag),+ }

        impl Tag {
            fn parse(name: &str) -> Option<Tag> {
                match name { $(stringify!($tag) => Some(Tag::$tag),)+ _ => None }
            }
        }
    };
}

tags! {
    PD, ACCEPT_REFUSED, LOST, DAMAGED, DELIVERED, COLLECTED, NOT_HANDED, NOT_DELIVERED, ATTEMPT,
    REFUSED, ADDRESS, RETURN, TO_SENDER, RETURN_DONE, NOT_RETURN, CANCELLED, DESTROYED, SEIZED,
    EXC, UNCLAIMED, DELAY, PAYMENT, CUSTOMS, C_HOLD, C_CLEARED, EXPORT, IMPORT, TRANSIT_SIDE,
    PICKUP, TO_PICKUP, COURIER_WAIT, OFD, DEPARTED, ARRIVED_DEST, EXCH_ARRIVE, EXCH_LEAVE,
    CARRIER_HANDLING, HANDOVER, DEPART_WORD, ARRIVE_WORD, ORIGIN_REF, DEST_REF, FACILITY,
    PICKED_UP, INFO, TRANSIT, NOINFO,
}

/// A set of tags (one bit per [`Tag`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tags(u64);

impl Tags {
    fn insert(&mut self, tag: Tag) {
        self.0 |= 1 << (tag as u8);
    }
    fn union(&mut self, other: Tags) {
        self.0 |= other.0;
    }
    fn remove(&mut self, tag: Tag) {
        self.0 &= !(1 << (tag as u8));
    }
    pub(crate) fn has(self, tag: Tag) -> bool {
        self.0 & (1 << (tag as u8)) != 0
    }
    fn any(self, tags: &[Tag]) -> bool {
        tags.iter().any(|&t| self.has(t))
    }
}

/// The compiled phrase automaton.
#[derive(Debug)]
pub(crate) struct RuleSet {
    automaton: AhoCorasick,
    tags: Vec<Tags>,
}

static RULES: LazyLock<RuleSet> =
    LazyLock::new(|| RuleSet::parse(include_str!("../../data/text-rules.tsv")));

impl RuleSet {
    /// Parses the rules file. Panics only on a malformed embedded file (caught by tests).
    fn parse(src: &str) -> RuleSet {
        let mut phrases = Vec::new();
        let mut tags = Vec::new();
        let mut canon = String::new();
        for (n, line) in src.lines().enumerate().filter(|(_, l)| !l.starts_with('#')) {
            let Some((tag_col, phrase)) = line.split_once('\t') else {
                continue;
            };
            if tag_col == "tag" {
                continue;
            }
            let mut set = Tags::default();
            for name in tag_col.split(',') {
                let tag = Tag::parse(name.trim()).unwrap_or_else(|| {
                    panic!("data/text-rules.tsv line {}: unknown tag {name:?}", n + 1)
                });
                set.insert(tag);
            }
            let left = phrase.starts_with('|');
            let right = phrase.ends_with('|');
            canonicalize_into(phrase.trim_matches('|'), &mut canon);
            let core = canon.trim();
            assert!(
                !core.is_empty(),
                "data/text-rules.tsv line {}: empty phrase",
                n + 1
            );
            let mut pattern = String::with_capacity(core.len() + 2);
            if left {
                pattern.push(' ');
            }
            pattern.push_str(core);
            if right {
                pattern.push(' ');
            }
            phrases.push(pattern);
            tags.push(set);
        }
        // A full DFA: a few hundred KiB built once, the fastest scan for millions of events.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(&phrases)
            .expect("text rule phrases build an automaton");
        RuleSet { automaton, tags }
    }

    /// Tags present in an already canonicalised text.
    pub(crate) fn scan(&self, canonical: &str) -> Tags {
        let mut found = Tags::default();
        for m in self.automaton.find_overlapping_iter(canonical) {
            found.union(self.tags[m.pattern().as_usize()]);
        }
        found
    }

    pub(crate) fn global() -> &'static RuleSet {
        &RULES
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.tags.len()
    }
}

/// Which leg of the journey an event is on, when the caller's fields tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leg {
    Inbound,
    Outbound,
}

/// The outcome of the text rules before it is combined with codes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextVerdict {
    pub milestone: Milestone,
    pub side: Option<Side>,
    pub reason: Option<Reason>,
    pub confidence: f64,
    /// `false` when nothing but the catch-all matched.
    pub matched: bool,
}

/// Applies the precedence to a tag set. `leg` orients "place of international exchange"
/// phrases; `default_side` is used for customs events whose text names no side.
pub(crate) fn decide(mut t: Tags, leg: Leg, default_side: Option<Side>) -> TextVerdict {
    use Milestone as M;
    use Tag::*;

    if t.has(NOT_RETURN) {
        t.remove(RETURN);
    }
    let handed = !t.has(NOT_HANDED);
    let delivered = t.has(DELIVERED) && handed && !t.has(NOT_DELIVERED);
    let side = if t.has(EXPORT) {
        Some(Side::Export)
    } else if t.has(TRANSIT_SIDE) {
        Some(Side::Transit)
    } else if t.has(IMPORT) {
        Some(Side::Import)
    } else {
        default_side
    };
    let reason = if t.has(REFUSED) {
        Some(Reason::Refused)
    } else if t.has(UNCLAIMED) {
        Some(Reason::Unclaimed)
    } else if t.has(ADDRESS) {
        Some(Reason::AddressIssue)
    } else if t.has(PAYMENT) {
        Some(Reason::PaymentDue)
    } else {
        None
    };
    let v = |milestone, confidence| TextVerdict {
        milestone,
        side: None,
        reason: None,
        confidence,
        matched: true,
    };
    let customs = |milestone| TextVerdict {
        side: side.or(Some(Side::Import)),
        ..v(milestone, 0.85)
    };
    let customs_side = |milestone| TextVerdict {
        side,
        ..v(milestone, 0.85)
    };

    // The user must act: identity data for customs.
    if t.has(PD) {
        return customs(M::PersonalDataRequired);
    }
    if t.has(ACCEPT_REFUSED) && !t.has(CUSTOMS) {
        return v(M::Exception, 0.8);
    }
    if t.has(LOST) {
        return v(M::Lost, 0.9);
    }
    if t.has(DAMAGED) {
        return TextVerdict {
            reason: reason.filter(|r| *r == Reason::Refused),
            ..v(M::Damaged, 0.85)
        };
    }
    if t.has(COLLECTED) && handed {
        return v(M::Delivered, 0.9);
    }
    // Return markers beat "delivered": "Delivered, To Original Sender", "Вручение отправителю".
    if t.has(RETURN_DONE) || (delivered && t.any(&[RETURN, TO_SENDER])) {
        return v(M::Returned, 0.9);
    }
    if t.has(RETURN) {
        return TextVerdict {
            reason,
            ..v(M::ReturningToSender, 0.85)
        };
    }
    if t.has(CANCELLED) {
        return TextVerdict {
            reason: Some(Reason::Cancelled),
            ..v(M::Exception, 0.85)
        };
    }
    if t.has(DESTROYED) {
        return TextVerdict {
            reason: Some(Reason::Destroyed),
            ..v(M::Exception, 0.85)
        };
    }
    if t.has(SEIZED) && !t.has(CUSTOMS) {
        return TextVerdict {
            reason: Some(Reason::Seized),
            ..v(M::Exception, 0.85)
        };
    }
    if t.has(ATTEMPT) {
        return TextVerdict {
            reason,
            ..v(M::DeliveryAttemptFailed, 0.85)
        };
    }
    if t.has(CUSTOMS) {
        if t.any(&[C_HOLD, PAYMENT, EXC, DELAY, SEIZED]) {
            let reason = if t.has(SEIZED) {
                Some(Reason::Seized)
            } else {
                reason
            };
            return TextVerdict {
                reason,
                ..customs_side(M::CustomsHold)
            };
        }
        if t.has(C_CLEARED) {
            return customs_side(M::CustomsCleared);
        }
        return customs_side(M::CustomsClearance);
    }
    if t.has(EXC) {
        return TextVerdict {
            reason,
            ..v(M::Exception, 0.75)
        };
    }
    if t.has(UNCLAIMED) {
        return TextVerdict {
            reason: Some(Reason::Unclaimed),
            ..v(M::Exception, 0.85)
        };
    }
    if t.has(TO_PICKUP) || t.has(COURIER_WAIT) {
        return v(M::InTransit, 0.75);
    }
    if t.has(PICKUP) {
        return v(M::AvailableForPickup, 0.85);
    }
    if delivered {
        // Carrier-level "delivered" is a handover between carriers, not to the recipient.
        if t.has(CARRIER_HANDLING) {
            return v(M::ArrivedDestinationCountry, 0.7);
        }
        return v(M::Delivered, 0.9);
    }
    if t.has(NOT_DELIVERED) {
        return v(M::DeliveryAttemptFailed, 0.75);
    }
    if t.has(DELAY) {
        return TextVerdict {
            reason: Some(Reason::Delay),
            ..v(M::Exception, 0.75)
        };
    }
    if t.has(PAYMENT) {
        return TextVerdict {
            reason: Some(Reason::PaymentDue),
            ..v(M::Exception, 0.7)
        };
    }
    if t.has(ADDRESS) {
        return TextVerdict {
            reason: Some(Reason::AddressIssue),
            ..v(M::Exception, 0.7)
        };
    }
    if t.has(OFD) {
        return v(M::OutForDelivery, 0.85);
    }
    if t.has(DEPARTED) {
        return v(M::DepartedOriginCountry, 0.85);
    }
    if t.has(ARRIVED_DEST) {
        // "Arrived at destination country sorting center" is a domestic scan.
        return if t.has(FACILITY) {
            v(M::InTransit, 0.7)
        } else {
            v(M::ArrivedDestinationCountry, 0.85)
        };
    }
    if t.has(EXCH_ARRIVE) {
        return match leg {
            Leg::Inbound => v(M::ArrivedDestinationCountry, 0.75),
            Leg::Outbound => v(M::InTransit, 0.75),
        };
    }
    if t.has(EXCH_LEAVE) {
        return match leg {
            Leg::Inbound => v(M::InTransit, 0.75),
            Leg::Outbound => v(M::DepartedOriginCountry, 0.75),
        };
    }
    if t.has(DEPART_WORD) && (t.has(EXPORT) || (t.has(ORIGIN_REF) && !t.has(FACILITY))) {
        return v(M::DepartedOriginCountry, 0.75);
    }
    if t.has(ARRIVE_WORD) && t.has(DEST_REF) && !t.has(FACILITY) {
        return v(M::ArrivedDestinationCountry, 0.75);
    }
    if t.has(PICKED_UP) {
        return v(M::PickedUp, 0.8);
    }
    if t.has(INFO) {
        return v(M::InfoReceived, 0.8);
    }
    if t.any(&[
        HANDOVER,
        CARRIER_HANDLING,
        TRANSIT,
        DEPART_WORD,
        ARRIVE_WORD,
        FACILITY,
    ]) {
        return v(M::InTransit, 0.6);
    }
    if t.has(NOINFO) {
        return v(M::InTransit, 0.3);
    }
    TextVerdict {
        matched: false,
        ..v(M::InTransit, 0.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_file_parses() {
        assert!(RuleSet::global().len() > 500);
    }

    #[test]
    fn boundary_markers_require_word_edges() {
        let rules = RuleSet::global();
        let mut canon = String::new();
        canonicalize_into("Marked RTO: ORDER_REJECT", &mut canon);
        assert!(rules.scan(&canon).has(Tag::RETURN));
        canonicalize_into("Shipment data sent to portonovo", &mut canon);
        assert!(!rules.scan(&canon).has(Tag::RETURN));
    }
}
