## Posylka customs desk: messages to recipients about identity data for customs.
## Variables: $carrier, $number (tracking number), $domain (the link's domain), $link,
## $refuse_link, $deadline (date and time), $days_left, $email (masked address),
## $retention_days (days until the details are deleted), $step (notice, repeat, reminder).

sms = { $carrier }: { $step ->
    [notice] parcel { $number } is at customs. Passport details are needed: an e-mail with the link was sent to { $email }.
    [repeat] parcel { $number } is waiting at customs for your passport details. The e-mail with the link was sent again to { $email }.
   *[reminder] { $days_left } { $days_left ->
        [one] day
       *[other] days
    } left to give passport details for parcel { $number }. The link is in the e-mail sent to { $email }.
} The link goes to { $domain } only. Without the details by { $deadline } the parcel goes back to the shop.

sms-code = Code { $code } confirms your details for parcel { $number } on { $domain }. Tell it to no one: { $carrier } never asks for codes by phone.

email-subject = { $step ->
    [notice] Parcel { $number } is at customs: passport details needed by { $deadline }
    [repeat] Parcel { $number } is waiting for passport details until { $deadline }
   *[reminder] { $days_left } { $days_left ->
        [one] day
       *[other] days
    } left: passport details for parcel { $number }
}

email-body = Hello,

    { $step ->
        [notice] Your parcel { $number } has arrived at customs.
        [repeat] We have not received your details for parcel { $number } yet; it is waiting at customs.
       *[reminder] A reminder: parcel { $number } is waiting at customs, { $days_left } { $days_left ->
            [one] day
           *[other] days
        } left.
    } An express carrier files a customs register for every parcel, and customs requires the recipient's details in it: full name, document type, passport series and number, date of issue and taxpayer number (INN). The state post checks the passport on delivery; express carriers have to ask beforehand, which is why you are getting this e-mail.

    Fill in the form: { $link }

    How to check that this e-mail is genuine:
    - the link goes to { $domain }, the site of { $carrier }; the address in your browser must start with https://{ $domain }/;
    - the page shows your parcel's number { $number };
    - the confirmation code comes by SMS; enter it only on the { $domain } page;
    - { $carrier } never asks for card details, passwords or codes by phone or in messengers.
    In doubt, do not follow the link in this e-mail: type { $domain } into your browser yourself.

    You may refuse to provide your details: { $refuse_link }
    Customs will then not release the parcel and it goes back to the shop.

    Without the details by { $deadline } the parcel goes back to the shop.

    The details serve customs clearance only, are not passed to third parties, and are deleted { $retention_days } { $retention_days ->
        [one] day
       *[other] days
    } after the parcel is released or returned. You give your consent to their processing separately, on the form's page.

    { $carrier }
