## Posylka's web page (crates/server/src/web). Keys are checked by a test against both files.

skip-to-content = Skip to content
nav-label = Main
nav-parcels = Parcels
nav-add = Add parcels
lang-label = Language
logout = Log out

login-title = Log in
login-lead = Posylka follows your parcels from every marketplace and tells you when something must be done.
login-name = User name
login-password = Password
login-submit = Log in
login-failed = The user name or the password is wrong.
login-hint = No account yet? The server's administrator creates one with: posylka user add NAME

error-400 = The form was not sent as expected
error-403 = This form has expired
error-404 = No such page or parcel
error-500 = Something went wrong
error-help = Go back, reload the page and try again. If it keeps happening, tell the server's administrator.
error-home = To your parcels

list-title = Your parcels
list-count = { $n ->
    [one] 1 parcel
   *[other] { $n } parcels
}
list-need-action = { $n ->
    [one] 1 needs action
   *[other] { $n } need action
}
list-empty = No parcels yet. Paste an order e-mail or a tracking number to start.
list-empty-filtered = No parcels match these filters.
list-truncated = Only your newest 5000 parcels are listed. Archive the ones you no longer need to follow.
added-notice = { $n ->
    [one] 1 parcel added.
   *[other] { $n } parcels added.
}
sources-down-notice = Not answering right now: { $sources }. Their new events will show up when they are back; nothing is lost.
pages-label = Pages
page-prev = Previous
page-next = Next
page-of = Page { $page } of { $pages }
filter-label = Filters
filter-stage = Stage
filter-stage-all = All stages
filter-need = Needs
filter-need-all = Everything
filter-need-action = Action needed
filter-need-attention = Action or watch
filter-shop = Marketplace
filter-shop-all = All marketplaces
filter-show = Show
filter-show-active = Active parcels
filter-show-archived = Archived
filter-show-all = Active and archived
filter-apply = Apply
filter-reset = Reset

group-waiting = Waiting for the first scan
group-moving = On the way
group-customs = At customs
group-collect = To collect or deliver
group-delivered = Delivered
group-trouble = Returned, lost or damaged

stage-none = No tracking events yet
carrier-unknown = Carrier not recognised
order = Order
archived = Archived
due-by = by
more-findings = { $n ->
    [one] and 1 more
   *[other] and { $n } more
}
nothing-to-do = Nothing to do.

severity = { $severity ->
    [action] Action needed
    [warning] Watch
   *[info] Info
}

finding-order_number_not_tracking = An order number, not a tracking number
finding-invalid_number = The number looks wrong
finding-domestic_number = Tracked only in one country
finding-awaiting_first_event = Waiting for the first scan
finding-no_tracking_info = No tracking: write to the seller
finding-suspected_fake_tracking = The number does not move
finding-stalled = No movement for too long
finding-delivered_elsewhere = Delivered somewhere else
finding-protection_ending = Buyer protection ends soon
finding-open_dispute = Open a dispute
finding-overdue = Overdue: full refund possible
finding-customs_data_required = Customs needs your data
finding-customs_hold = Held by customs
finding-duty_due = Import duty to pay
finding-delivery_attempt_failed = Delivery attempt failed
finding-available_for_pickup = Ready for pickup
finding-returning_to_sender = Going back to the seller
finding-lost = Declared lost
finding-delivered = Delivered

rel-today = today
rel-yesterday = yesterday
rel-tomorrow = tomorrow
rel-days-ago = { $n ->
    [one] 1 day ago
   *[other] { $n } days ago
}
rel-in-days = { $n ->
    [one] in 1 day
   *[other] in { $n } days
}
days-left = { $n ->
    [one] 1 day left
   *[other] { $n } days left
}

add-title = Add parcels
add-text-label = Paste any text with tracking numbers
add-text-hint = An order e-mail, an SMS, a copied order page, or just the numbers. Posylka finds the numbers and shows what they are before anything is added.
add-scan = Find numbers
add-found = Found in your text
add-choose-legend = Tracking numbers to follow (one parcel each)
add-written-as = written as
add-already = You already follow it
add-orders-legend = Order numbers
add-order-flag = This is your order number, not a tracking number. The tracking number is on the order page, just above the order number.
add-order-attach = Attach this order to the parcels above: buyer protection is then counted for them.
add-order-none = Attach no order
add-only-orders = Only order numbers were found. Open the order page, copy the tracking number shown above the order number and paste it here.
add-confirm = Follow the ticked parcels
add-none-found = No tracking or order numbers were found in this text.
add-choose = Tick at least one tracking number (at most 50 at a time).
add-error-invalid = Not a tracking number.
add-error-order-number = This is an order number, not a tracking number.
add-error-followed = You already follow this parcel.
add-error-in-use = This number is already followed in another account (a number can be reused only after 12 months).
problem-check-digit = The check digit is { $found } where { $expected } is expected: most likely a typo. Compare it with the order page.
problem-domestic = { $country ->
    [none] A domestic number
   *[other] A domestic number of { $country }
}: tracking stops when the parcel leaves the country. Ask the seller for the international number.
problem-unknown-country = Shaped like an international postal number, but { $code } is no postal country.
problem-suspicious-serial = Serial 00000000 passes the check but is never used for real parcels.
problem-unknown-format = No known format fits; it may belong to a carrier Posylka does not know.

added-title = Parcels added
added-ok = Added
added-open = Open
added-more = Add more

parcel-stage = Stage
parcel-since = Last event:
parcel-protection = Buyer protection
protection-until = until
protection-ended = Buyer protection has ended
protection-unknown = Unknown: attach the order when adding the parcel to count it.
parcel-eta = Expected delivery
eta-likely = most likely
eta-none = No estimate: the parcel has arrived, gone back, or been lost.
parcel-findings = What to do
draft-label = Text to send (in English, as marketplaces require)
copy = Copy the text
copy-done = Copied.
copy-failed = Could not copy: select the text and copy it.
parcel-timeline = Tracking history
parcel-zone = Times in your time zone:
timeline-empty = No tracking events yet. They appear 5 to 14 days after the parcel is handed over.
timeline-original = Carrier's text
parcel-details = Details
seller-contacted = Wrote to the seller
seller-not-contacted = not yet
mark-contacted = I wrote to the seller today
archive = Archive
unarchive = Bring back from the archive
leg-through = Tracking number
leg-first-mile = Origin-side number
leg-last-mile = Destination-side number

# Notifications (the page and the messages).
channels-title = Notifications
channels-intro = Posylka tells you when a parcel needs attention: once when a finding appears or becomes more urgent, and again before its deadline. Never the same message twice.
channels-empty = No channels yet: add one below.
channel-kind = Kind
channel-kind-email = E-mail
channel-kind-webhook = Webhook
channel-kind-telegram = Telegram
channel-not-configured = not set up on this server
channel-enabled = Active
channel-disabled = Disabled after repeated failures on { $date }.
channel-disabled-by-user = Disabled on { $date }.
channel-disabled-hint = Fix the receiver, then enable the channel again.
channel-failures = { $n ->
    [one] { $n } failed delivery in a row
   *[other] { $n } failed deliveries in a row
}
channel-last-error = Last error:
channel-enable = Enable again
channel-delete = Delete channel
channel-test = Send a test message
channel-test-ok = The test message was delivered.
channel-test-failed = The test message was not delivered: { $error }
channel-findings = Findings that notify
channel-all-findings = All findings
channel-min-severity = Notify from
channel-reminders = Reminders before deadlines: { $hours } hours before.
channel-no-reminders = No reminders before deadlines.
channel-save = Save
channel-saved = Saved.
channel-deleted = Channel deleted.
channel-enabled-notice = The channel is enabled again; current findings will reach it.
channel-created = Channel added; current findings will reach it in a moment.
channel-add = Add a channel
channel-target = Address, URL or chat
channel-target-hint = An e-mail address; an https:// URL for a webhook; a chat id or @channel for Telegram (the bot must be allowed to write there).
channel-secret = Webhook secret
channel-secret-hint = Webhooks only: at least 16 characters. Each request is signed with it (X-Posylka-Signature, HMAC-SHA256); it is stored encrypted and not shown again.
channel-label = Name (optional)
channel-lang = Language of the messages
channel-error = Not saved: { $error }
nav-notifications = Notifications
notify-title-appeared = { $number }: { $finding }
notify-title-raised = { $number }: { $finding } ({ $severity })
notify-title-reminder = { $number }: { $finding }, due { $due }
notify-due = Deadline: { $due } (UTC).
notify-test-title = Posylka: test message
notify-test-body = This channel works: Posylka's notifications will arrive here.
