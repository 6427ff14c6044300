## Posylka watchdog: one message per finding code, and the drafts (always English).
## Dates arrive formatted in the user's time zone; $days, $days_left and $limit are numbers.
## Selectors use "yes"/"no" flags and stable keys (see crates/watchdog/src/messages.rs).

order_number_not_tracking = { $number } is your marketplace order number, not a tracking number. The tracking number is on the order page, in the shipping details just above the order number: add that one instead.

invalid_number = { $problem ->
    [check_digit] { $number } fails its check digit ({ $found } where { $expected } is expected): most likely a typo. Compare it with the order page; if it is written the same there, ask the seller for the correct number, since an invented number fails this check too.
    [unknown_country] { $number } is shaped like an international postal number, but its last two letters are no postal country. Ask the seller for the correct number.
    [suspicious_serial] { $number } has the serial number 00000000: it passes the check but is never used for real parcels. Ask the seller for the real tracking number.
   *[unknown_format] No known tracking-number format fits { $number }. It may belong to a carrier Posylka does not know; if no tracking appears within 10 days of shipment, ask the seller.
}

domestic_number = { $number } is a domestic number{ $country ->
    [none] {""}
   *[other] {" "}of { $country }
}: it is tracked only inside its country. Expect tracking to stop once the parcel leaves it; the destination post gives the parcel a new number. Ask the seller for the international number if there is one.

awaiting_first_event = No tracking for { $number } yet, which is normal: information appears 5 to 14 days after the parcel is handed over (shipped { $shipped }). If there is still nothing on { $due }, it is time to write to the seller.

no_tracking_info = No tracking information for { $number } { $days } { $days ->
    [one] day
   *[other] days
} after shipment ({ $shipped }).{ $prior ->
    [rarely] {" "}At { $price } the parcel may have been sent untracked: parcels under $5 are rarely tracked.
   *[other] {""}
} { $step ->
    [find_number] Find the tracking number on the order page first (see above).
    [dispute_open] Your dispute is open: add a screenshot of this tracker as evidence.
    [asked] You wrote to the seller on { $contacted_at }. { $due ->
        [none] If the answer does not help, open a dispute.
       *[other] No helpful answer by { $due }: open a dispute.
    }
   *[write] Write to the seller (text below): they may correct a typo, give the real number, or admit an untracked parcel.
}

suspected_fake_tracking = { $number } has shown only its first events (label created, accepted) and nothing new for { $days } { $days ->
    [one] day
   *[other] days
} since { $since }. A real parcel moves on within 3 to 5 days of its first event; a number handed out for an untracked parcel, or one belonging to someone else's parcel, stays like this.{ $prior ->
    [rarely] {" "}At { $price } that is likely: parcels under $5 are rarely tracked, so it may still arrive untracked. From a month after payment, ask at your post office weekly.
    [usually] {" "}At { $price } parcels are usually tracked.
    [always] {" "}At { $price } parcels are always tracked: a real number would have moved.
   *[none] {""}
} { $step ->
    [dispute_open] Your dispute is open: add a screenshot of this tracker as evidence.
    [asked] You wrote to the seller on { $contacted_at }. { $due ->
        [none] If the answer does not help, open a dispute.
       *[other] No helpful answer by { $due }: open a dispute.
    }
   *[write] Write to the seller (text below) and ask for the real number.
}

stalled = No new event for { $days } { $days ->
    [one] day
   *[other] days
} (since { $since }, { $stage ->
    [international] on the international leg
    [destination] in the destination country
    [customs] at customs
   *[out_for_delivery] out for delivery
}, where { $limit } days is already long). This usually means a lost parcel, sometimes a tracking glitch: wait, but not past the protection deadline.{ $due ->
    [none] {""}
   *[other] {" "}If nothing changes, open a dispute by { $due } (protection ends { $ends }).
}

delivered_elsewhere = The tracking says the parcel was { $status ->
    [available_for_pickup] left for pickup
   *[delivered] delivered
} { $where ->
    [country] in { $country }
   *[postcode] at postcode { $postcode }
} on { $since }, but it goes to { $where ->
    [country] { $expected_country }
   *[postcode] postcode { $expected_postcode }
}. This is someone else's parcel: the number is not your parcel's. { $due ->
    [none] Open a dispute now (text below)
   *[other] A "delivered" cuts buyer protection short: open a dispute now, by { $due } at the latest (text below)
}, with a screenshot of the tracking.

protection_ending = Buyer protection ends on { $ends } ({ $days_left } { $days_left ->
    [one] day
   *[other] days
} left) and the parcel is not delivered.{ $assumed ->
    [yes] {" "}The order does not say its protection period, so { $protection_days } days are assumed: check the order page.
   *[no] {""}
} Set a reminder; if the parcel is not here a week before, open a dispute. A seller's offer to extend protection is no reason to wait.

open_dispute = { $reason ->
    [no_tracking] The number has shown no tracking at all.
    [fake_tracking] The number never got past its first events.
    [stalled] Tracking stopped on { $since }.
    [seller_silent] The seller has not answered since { $contacted_at }.
    [returning] The parcel is going back to the seller.
    [lost] The carrier declared the parcel lost.
   *[protection_ending] The parcel is not here and buyer protection ends on { $ends }.
} { $ended ->
    [yes] Protection ended on { $ends }, but a dispute is still possible until { $due }:
   *[no] { $due ->
        [none] Open a dispute:
       *[other] Open a dispute by { $due }:
    }
} item not received, full refund, with a screenshot of the tracking as evidence (text below). A seller who does not answer within 5 days loses it; refuse a partial refund and escalate to the marketplace.{ $dispute_from ->
    [none] {""}
   *[other] {" "}The marketplace accepts disputes from { $dispute_from }.
}

overdue = More than { $limit } days since shipment ({ $shipped }, { $days } days ago) and not delivered: the marketplace refunds such orders in full. { $dispute_open ->
    [yes] Point this out in your open dispute.
   *[no] Open a dispute asking for a full refund (text below).
}

customs_data_required = Customs needs the recipient's identity data for { $number } (requested on { $since }{ $carrier ->
    [none] {""}
   *[other] {" "}by { $carrier }
}). Give your full name in Russian, passport series and number and date of issue, and your INN if asked, only through the carrier's own site or the link in its SMS or e-mail. Check first that the link leads to the carrier's official site: when in doubt, type the carrier's address yourself and enter the tracking number there. The form confirms with a one-time code sent to your phone, and no carrier asks for card details. { $late ->
    [yes] The { $limit } days customs waits ended on { $due }: contact the carrier today, or the parcel goes back to the seller.
   *[no] Do it by { $due }: without the data the parcel goes back to the seller.
}

customs_hold = { $reason ->
    [payment_due] Customs holds the parcel until the duty is paid (since { $since }): pay it as the carrier's notice says, and compare the amount with the estimate.
   *[other] Customs is holding the parcel (since { $since }, { $days } { $days ->
        [one] day
       *[other] days
    }). It usually needs documents or an inspection: ask { $carrier ->
        [none] the carrier
       *[other] { $carrier }
    } what customs needs, with the tracking number at hand. Goods judged commercial or prohibited are sent back.
}

duty_due = The order's value (about €{ $value_eur }) is over the €{ $limit_eur } duty-free limit: expect a duty of about €{ $duty_eur }{ $duty_local ->
    [none] {""}
   *[other] {" "}({ $duty_local })
}, { $rate }% of { $whole ->
    [yes] the whole value
   *[no] the part over the limit
}, paid in roubles at the Central Bank rate to the post at hand-over or to the carrier. An estimate by value under the rules in force from { $regime_from }; a parcel over 31 kg pays more.

delivery_attempt_failed = A delivery attempt failed on { $since }{ $reason ->
    [address_issue] {" "}because of a problem with the address
    [refused] {" "}and is recorded as refused
   *[other] {""}
}. Contact { $carrier ->
    [none] the carrier
   *[other] { $carrier }
} with the tracking number to arrange another delivery, or collect the parcel with your passport and the notice or the code from the SMS. It is kept until about { $due }, then sent back.

available_for_pickup = The parcel is waiting for you{ $location ->
    [none] {""}
   *[other] {" "}at { $location }
} since { $since }. Take your passport and the tracking number or the code from the SMS (a locker needs only the code). Collect it by about { $due }: after { $limit } days it goes back to the sender.

returning_to_sender = { $returned ->
    [yes] The parcel was returned to the sender on { $since }.
   *[no] The parcel is being returned to the sender (since { $since }).
}{ $reason ->
    [refused] {" "}It is recorded as refused.
    [unclaimed] {" "}It was not collected in time.
   *[other] {""}
} { $dispute_open ->
    [yes] Add this to your open dispute.
   *[no] If you did not refuse it, open a dispute for a full refund.
}

lost = The carrier declared the parcel lost on { $since }. { $dispute_open ->
    [yes] Add this status to your open dispute.
   *[no] Open a dispute for a full refund with a screenshot of this status.
}

delivered = Delivered on { $since }{ $location ->
    [none] {""}
   *[other] {" "}({ $location })
}. Check that the parcel is yours and intact, then confirm receipt on the marketplace and leave feedback.{ $fake ->
    [yes] {" "}Mention in the feedback that the seller's tracking number did not work, to warn other buyers.
   *[no] {""}
}{ $due ->
    [none] {""}
   *[other] {" "}If you did not get it, open a dispute before { $due }: a "delivered" leaves only a few days of protection.
}

## Drafts: what the buyer sends, in English as marketplaces require.

draft-seller = Hello! The track number { $number }{ $order_number ->
    [none] {""}
   *[other] {" "}(order { $order_number })
} is not tracked: { $kind ->
    [fake] it has shown no movement since { $since }.
   *[none] there is no tracking information { $days } days after shipment.
} Check, please, where is my parcel, and send me the correct tracking number. Thank you!

draft-dispute = { $reason ->
    [no_tracking] The track number { $number } is not tracked. The parcel was sent { $days } days ago, but there is no tracking information.
    [fake_tracking] The track number { $number } has shown no movement since { $since }, only its first scan. A real parcel moves within days, so this number does not track my parcel. It was sent { $days } days ago and has not arrived.
    [stalled] The tracking of { $number } has not changed since { $since } (last status: { $status }). The parcel was sent { $days } days ago and has not arrived.
    [seller_silent] I wrote to the seller on { $contacted_at } because the parcel ({ $number }) has not arrived, and got no answer. It was sent { $days } days ago.
    [returning] The tracking of { $number } shows that the parcel is being returned to the seller. I did not refuse it and have not received my order.
    [lost] The carrier declared the parcel { $number } lost. I have not received my order.
   *[protection_ending] The parcel ({ $number }) was sent { $days } days ago and has not arrived; the tracking shows "{ $status }". Buyer protection ends on { $ends }.
} I ask for a full refund. A screenshot of the tracking is attached.

draft-elsewhere = The tracking of { $number } shows the parcel { $status ->
    [available_for_pickup] left for pickup
   *[delivered] delivered
} { $where ->
    [country] in { $country }
   *[postcode] at postcode { $postcode }
} on { $since }, but my address is { $where ->
    [country] in { $expected_country }
   *[postcode] at postcode { $expected_postcode }
}. I have not received the parcel: this tracking number belongs to someone else's parcel. I ask for a full refund. A screenshot of the tracking is attached.

draft-overdue = The parcel ({ $number }) was sent on { $shipped }, { $days } days ago, and has still not been delivered, which is more than the { $limit }-day delivery time. I ask for a full refund. A screenshot of the tracking is attached.

## Labels for the command line and other front ends.

ui-status = Status
ui-no-events = no events yet
ui-protection-ends = Buyer protection ends
ui-eta = Expected delivery
ui-eta-likely = most likely
ui-eta-basis = { $basis ->
    [lane] from { $samples } deliveries on this route
   *[prior] typical for { $service ->
        [ems] EMS
        [express] express couriers
        [registered] registered mail
        [parcel] parcel post
       *[other] this kind of parcel
    }
}
ui-due = by
ui-draft = Text to send
ui-nothing = Nothing to report.
ui-severity = { $severity ->
    [action] ACTION
    [warning] WARNING
   *[info] INFO
}
