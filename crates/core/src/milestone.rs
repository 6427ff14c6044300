//! The normalised tracking-milestone taxonomy: 18 milestones, the customs [`Side`] and the
//! exception [`Reason`].
//!
//! Keys are stable identifiers (snake_case) used in JSON, databases and the CLI; the
//! taxonomy and its traps are described in the project's `milestones.md` reference.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A key that is not part of the taxonomy was given to a `FromStr` parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} key {key:?} (expected one of: {expected})")]
pub struct ParseKeyError {
    kind: &'static str,
    key: String,
    expected: &'static str,
}

/// Defines a key enum with serde/FromStr/Display driven by one table, so the key list is
/// written once.
macro_rules! keyed_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $key:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable snake_case key.
            #[must_use]
            pub const fn key(self) -> &'static str {
                match self { $( $name::$variant => $key ),+ }
            }
        }

        impl FromStr for $name {
            type Err = ParseKeyError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $( $key => Ok($name::$variant), )+
                    other => Err(ParseKeyError {
                        kind: $kind,
                        key: other.chars().take(64).collect(),
                        expected: concat!($( $key, " " ),+),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

keyed_enum! {
    /// One normalised tracking milestone. Declaration order is roughly chronological.
    Milestone, "milestone" {
        /// Electronic data or label exists; the carrier has no physical item yet.
        InfoReceived = "info_received",
        /// First physical custody: acceptance, pickup, first warehouse scan.
        PickedUp = "picked_up",
        /// Any movement or processing scan that changes no other milestone.
        InTransit = "in_transit",
        /// Export done: left the outward office of exchange or handed to the linehaul/airline.
        DepartedOriginCountry = "departed_origin_country",
        /// Inward office of exchange, import scan, linehaul arrival in the destination.
        ArrivedDestinationCountry = "arrived_destination_country",
        /// Presented to or being processed by customs (see [`Side`]).
        CustomsClearance = "customs_clearance",
        /// Customs stopped it: refusal, duties unpaid, documents or inspection required.
        CustomsHold = "customs_hold",
        /// The recipient must supply identity data (passport, INN/TIN).
        PersonalDataRequired = "personal_data_required",
        /// Released by customs (import or export).
        CustomsCleared = "customs_cleared",
        /// With a courier or postman for delivery today.
        OutForDelivery = "out_for_delivery",
        /// A delivery attempt failed; a retry or pickup notice is expected.
        DeliveryAttemptFailed = "delivery_attempt_failed",
        /// At a post office, pickup point or locker awaiting collection.
        AvailableForPickup = "available_for_pickup",
        /// Handed to the recipient (incl. pickup by the recipient and partial delivery).
        Delivered = "delivered",
        /// Return to the sender started.
        ReturningToSender = "returning_to_sender",
        /// Return completed: delivered back to the sender.
        Returned = "returned",
        /// Another problem: delay, cancellation, unclaimed, seized, destroyed, address to clarify.
        Exception = "exception",
        /// Declared lost.
        Lost = "lost",
        /// Damage reported.
        Damaged = "damaged",
    }
}

keyed_enum! {
    /// Which customs a customs milestone refers to.
    Side, "side" {
        /// Customs of the origin country.
        Export = "export",
        /// Customs of the destination country.
        Import = "import",
        /// Customs of a transit country.
        Transit = "transit",
    }
}

keyed_enum! {
    /// Why an `exception` (or a related milestone) happened.
    Reason, "reason" {
        /// Shipment or order cancelled.
        Cancelled = "cancelled",
        /// Delayed (flight, weather, backlog, not loaded).
        Delay = "delay",
        /// The address is wrong, incomplete or must be clarified.
        AddressIssue = "address_issue",
        /// Not collected in time; storage expired.
        Unclaimed = "unclaimed",
        /// Seized, confiscated or prohibited contents.
        Seized = "seized",
        /// Destroyed.
        Destroyed = "destroyed",
        /// Payment (duties, fees, cash on delivery) is due.
        PaymentDue = "payment_due",
        /// Refused by the recipient.
        Refused = "refused",
    }
}

impl Milestone {
    /// No further forward progress is expected after this milestone.
    ///
    /// `exception` and `damaged` are only "sometimes" terminal in the taxonomy; they are
    /// reported as not terminal because a later event usually follows.
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            Milestone::Delivered | Milestone::Returned | Milestone::Lost
        )
    }

    /// Position on the forward journey, from 0 (`info_received`) to 9 (`delivered`), used to
    /// draw progress. Side branches (returns, exceptions) report the stage they typically
    /// interrupt: returns count as fully progressed (the journey ended), problems keep the
    /// stage of the milestone they are usually raised at.
    #[must_use]
    pub const fn stage(self) -> u8 {
        match self {
            Milestone::InfoReceived => 0,
            Milestone::PickedUp => 1,
            Milestone::InTransit => 2,
            Milestone::DepartedOriginCountry => 3,
            Milestone::ArrivedDestinationCountry => 4,
            Milestone::CustomsClearance
            | Milestone::CustomsHold
            | Milestone::PersonalDataRequired => 5,
            Milestone::CustomsCleared => 6,
            Milestone::OutForDelivery
            | Milestone::DeliveryAttemptFailed
            | Milestone::AvailableForPickup => 8,
            Milestone::Delivered
            | Milestone::ReturningToSender
            | Milestone::Returned
            | Milestone::Lost => Self::LAST_STAGE,
            Milestone::Exception | Milestone::Damaged => 2,
        }
    }

    /// The highest value [`Milestone::stage`] returns.
    pub const LAST_STAGE: u8 = 9;

    /// Progress in `0.0..=1.0` derived from [`Milestone::stage`].
    #[must_use]
    pub fn progress(self) -> f64 {
        f64::from(self.stage()) / f64::from(Self::LAST_STAGE)
    }

    /// Plain-words English label for people.
    #[must_use]
    pub const fn label_en(self) -> &'static str {
        match self {
            Milestone::InfoReceived => "Label created, not yet handed over",
            Milestone::PickedUp => "Accepted by the carrier",
            Milestone::InTransit => "On the way",
            Milestone::DepartedOriginCountry => "Left the origin country",
            Milestone::ArrivedDestinationCountry => "Arrived in the destination country",
            Milestone::CustomsClearance => "At customs",
            Milestone::CustomsHold => "Held by customs",
            Milestone::PersonalDataRequired => "Customs needs your passport data",
            Milestone::CustomsCleared => "Released by customs",
            Milestone::OutForDelivery => "Out for delivery",
            Milestone::DeliveryAttemptFailed => "Delivery attempt failed",
            Milestone::AvailableForPickup => "Ready for pickup",
            Milestone::Delivered => "Delivered",
            Milestone::ReturningToSender => "Being returned to the sender",
            Milestone::Returned => "Returned to the sender",
            Milestone::Exception => "Problem with the parcel",
            Milestone::Lost => "Lost",
            Milestone::Damaged => "Damaged",
        }
    }

    /// Plain-words Russian label for people.
    #[must_use]
    pub const fn label_ru(self) -> &'static str {
        match self {
            Milestone::InfoReceived => "Данные получены, посылку ещё не передали",
            Milestone::PickedUp => "Принята перевозчиком",
            Milestone::InTransit => "В пути",
            Milestone::DepartedOriginCountry => "Покинула страну отправления",
            Milestone::ArrivedDestinationCountry => "Прибыла в страну назначения",
            Milestone::CustomsClearance => "На таможне",
            Milestone::CustomsHold => "Задержана таможней",
            Milestone::PersonalDataRequired => "Таможне нужны ваши паспортные данные",
            Milestone::CustomsCleared => "Выпущена таможней",
            Milestone::OutForDelivery => "Передана курьеру для доставки",
            Milestone::DeliveryAttemptFailed => "Неудачная попытка вручения",
            Milestone::AvailableForPickup => "Ждёт получения",
            Milestone::Delivered => "Вручена",
            Milestone::ReturningToSender => "Возвращается отправителю",
            Milestone::Returned => "Возвращена отправителю",
            Milestone::Exception => "Проблема с посылкой",
            Milestone::Lost => "Утеряна",
            Milestone::Damaged => "Повреждена",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn exactly_the_eighteen_keys_of_the_taxonomy() {
        let keys: Vec<&str> = Milestone::ALL.iter().map(|m| m.key()).collect();
        assert_eq!(
            keys,
            [
                "info_received",
                "picked_up",
                "in_transit",
                "departed_origin_country",
                "arrived_destination_country",
                "customs_clearance",
                "customs_hold",
                "personal_data_required",
                "customs_cleared",
                "out_for_delivery",
                "delivery_attempt_failed",
                "available_for_pickup",
                "delivered",
                "returning_to_sender",
                "returned",
                "exception",
                "lost",
                "damaged",
            ]
        );
    }

    #[test]
    fn key_round_trips_through_fromstr_display_and_serde() {
        for &m in Milestone::ALL {
            assert_eq!(m.to_string().parse::<Milestone>().unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.key()));
            assert_eq!(serde_json::from_str::<Milestone>(&json).unwrap(), m);
        }
        for &s in Side::ALL {
            assert_eq!(s.key().parse::<Side>().unwrap(), s);
        }
        for &r in Reason::ALL {
            assert_eq!(r.key().parse::<Reason>().unwrap(), r);
        }
    }

    #[test]
    fn unknown_key_error_names_the_key_and_the_kind() {
        let err = "shipped".parse::<Milestone>().unwrap_err().to_string();
        assert!(err.contains("milestone"), "{err}");
        assert!(err.contains("\"shipped\""), "{err}");
        assert!(err.contains("delivered"), "{err}");
    }

    #[test]
    fn terminal_milestones() {
        let terminal: Vec<Milestone> = Milestone::ALL
            .iter()
            .copied()
            .filter(|m| m.is_terminal())
            .collect();
        assert_eq!(
            terminal,
            [Milestone::Delivered, Milestone::Returned, Milestone::Lost]
        );
    }

    #[test]
    fn forward_stages_increase_along_the_happy_path() {
        let path = [
            Milestone::InfoReceived,
            Milestone::PickedUp,
            Milestone::InTransit,
            Milestone::DepartedOriginCountry,
            Milestone::ArrivedDestinationCountry,
            Milestone::CustomsClearance,
            Milestone::CustomsCleared,
            Milestone::OutForDelivery,
            Milestone::Delivered,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].stage() < pair[1].stage(), "{:?}", pair);
        }
        assert!((Milestone::Delivered.progress() - 1.0).abs() < f64::EPSILON);
        assert!(Milestone::InfoReceived.progress().abs() < f64::EPSILON);
    }

    #[test]
    fn every_milestone_has_distinct_labels() {
        let mut en: Vec<&str> = Milestone::ALL.iter().map(|m| m.label_en()).collect();
        let mut ru: Vec<&str> = Milestone::ALL.iter().map(|m| m.label_ru()).collect();
        en.sort_unstable();
        en.dedup();
        ru.sort_unstable();
        ru.dedup();
        assert_eq!(en.len(), 18);
        assert_eq!(ru.len(), 18);
    }
}
