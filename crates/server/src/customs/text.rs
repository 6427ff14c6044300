//! The desk's words in Russian and English: the recipient's page, the consent document, the
//! buyer's checklist, field errors. Kept here, beside the pages, rather than in the shared
//! Fluent files: they are the desk's alone and mostly long texts.

use posylka_watchdog::Lang;

/// Words of the desk's pages in one language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct T(pub Lang);

impl T {
    /// The text for `key` (the key itself when unknown, so a gap is visible, never empty).
    pub(crate) fn t(&self, key: &str) -> String {
        let (ru, en) = match key {
            "title" => ("Данные для таможни", "Data for customs"),
            "parcel" => ("Посылка", "Parcel"),
            "goods" => ("Содержимое", "Contents"),
            "value" => ("Объявленная стоимость", "Declared value"),
            "deadline" => ("Срок", "Deadline"),
            "why" => (
                "Посылка поступила на таможенное оформление. Перевозчик обязан подать таможенный реестр с данными получателя: ФИО, документ, удостоверяющий личность, ИНН. Данные используются только для таможенного оформления этой посылки и удаляются после выпуска или возврата.",
                "Your parcel has reached customs clearance. The carrier must file a customs register with the recipient's data: full name, identity document, INN. The data are used only for the customs clearance of this parcel and deleted after release or return.",
            ),
            "check-link" => (
                "Проверьте адрес страницы: он должен начинаться с",
                "Check the page's address: it must start with",
            ),
            "never-ask" => (
                "Мы никогда не просим оплату, пароли или коды из банка.",
                "We never ask for payment, passwords or bank codes.",
            ),
            "surname" => ("Фамилия", "Surname"),
            "given_name" => ("Имя", "Given name"),
            "patronymic" => ("Отчество (если есть)", "Patronymic (if any)"),
            "document_type" => ("Документ", "Document"),
            "ru_passport" => ("Паспорт гражданина РФ", "Russian passport"),
            "series" => ("Серия", "Series"),
            "number" => ("Номер", "Number"),
            "issued_on" => ("Дата выдачи (ДД.ММ.ГГГГ)", "Date of issue (DD.MM.YYYY)"),
            "birth_date" => ("Дата рождения (ДД.ММ.ГГГГ)", "Date of birth (DD.MM.YYYY)"),
            "inn" => ("ИНН", "INN (taxpayer number)"),
            "consent-title" => (
                "Согласие на обработку персональных данных",
                "Consent to the processing of personal data",
            ),
            "consent-text" => (
                "Я даю согласие перевозчику на обработку моих персональных данных (ФИО, данные паспорта, ИНН, телефон, адрес электронной почты) исключительно в целях таможенного оформления этой посылки: запись, хранение в зашифрованном виде, передачу в таможенный орган в составе реестра. Данные удаляются в течение установленного срока после выпуска или возврата посылки. Согласие можно отозвать, отказавшись от предоставления данных; тогда посылка будет возвращена продавцу. (152-ФЗ, ст. 9)",
                "I consent to the carrier processing my personal data (full name, passport data, INN, phone, e-mail address) solely for the customs clearance of this parcel: recording, storing encrypted, and passing it to the customs authority in the register. The data are deleted within the stated period after the parcel is released or returned. I can withdraw consent by refusing to provide data; the parcel then goes back to the seller. (Russian Federal Law 152-FZ, art. 9)",
            ),
            "consent-check" => (
                "Я прочитал(а) и даю согласие на обработку персональных данных для таможенного оформления",
                "I have read this and consent to the processing of my personal data for customs clearance",
            ),
            "consent-missing" => (
                "Без согласия данные не могут быть переданы в таможню.",
                "Without consent the data cannot be passed to customs.",
            ),
            "continue" => ("Продолжить", "Continue"),
            "fix-errors" => (
                "Исправьте отмеченные поля.",
                "Please correct the marked fields.",
            ),
            "code-title" => ("Код из SMS", "Code from the SMS"),
            "code-sent" => (
                "Мы отправили код из 6 цифр на телефон",
                "We sent a 6-digit code to the phone",
            ),
            "code" => ("Код", "Code"),
            "confirm" => ("Подтвердить", "Confirm"),
            "code-wrong" => ("Неверный код. Осталось попыток:", "Wrong code. Tries left:"),
            "code-expired" => (
                "Код больше не действует. Заполните форму ещё раз, чтобы получить новый.",
                "The code is no longer valid. Fill in the form again to get a new one.",
            ),
            "throttled" => (
                "Слишком много попыток. Попробуйте позже.",
                "Too many attempts. Please try again later.",
            ),
            "thanks" => (
                "Спасибо, данные получены и переданы на таможенное оформление.",
                "Thank you: the data were received and passed on for customs clearance.",
            ),
            "delivery-title" => (
                "Как доставить посылку?",
                "How should we deliver the parcel?",
            ),
            "courier" => ("Курьер, интервал", "Courier, time slot"),
            "locker" => ("Постамат", "Parcel locker"),
            "pickup" => ("Пункт выдачи", "Pick-up point"),
            "choose" => ("Выбрать", "Choose"),
            "delivery-chosen" => ("Выбрана доставка:", "Delivery chosen:"),
            "where-title" => ("Где моя посылка?", "Where is my parcel?"),
            "where-label" => ("Номер накладной (трек-номер)", "Invoice (tracking) number"),
            "where-find" => ("Найти", "Find"),
            "where-none" => (
                "Эта ссылка не относится к посылке с таким номером.",
                "This link is not for a parcel with that number.",
            ),
            "status" => ("Статус", "Status"),
            "refuse-link" => (
                "Отказаться от предоставления данных",
                "Refuse to provide data",
            ),
            "refuse-title" => ("Отказ от предоставления данных", "Refusing to provide data"),
            "refuse-explain" => (
                "Если вы откажетесь, таможня не сможет выпустить посылку, и она будет возвращена продавцу. Обычно продавец возвращает деньги после получения возврата.",
                "If you refuse, customs cannot release the parcel and it goes back to the seller. Sellers usually refund once the return reaches them.",
            ),
            "refuse-confirm" => ("Да, отказаться", "Yes, refuse"),
            "refused" => (
                "Вы отказались. Посылка будет возвращена продавцу.",
                "You refused. The parcel will go back to the seller.",
            ),
            "closed" => (
                "Запрос данных по этой посылке закрыт.",
                "The data request for this parcel is closed.",
            ),
            "state-waiting" => ("ожидаем данные", "waiting for data"),
            "state-opened" => ("ожидаем данные", "waiting for data"),
            "state-pending_code" => ("ожидаем код", "waiting for the code"),
            "state-submitted" => ("данные получены", "data received"),
            "state-refused" => ("отказ, возврат продавцу", "refused, back to the seller"),
            "state-expired" => (
                "срок истёк, возврат продавцу",
                "deadline passed, back to the seller",
            ),
            "state-cleared" => ("выпущена таможней", "released by customs"),
            "state-destroyed" => ("завершено", "closed"),
            "state-imported" => ("ещё не на таможне", "not at customs yet"),
            "checklist-title" => (
                "Таможня просит паспортные данные: что проверить",
                "Customs asks for passport data: what to check",
            ),
            "checklist-what" => (
                "Что спрашивают: ФИО кириллицей, серию и номер паспорта РФ, дату выдачи, ИНН. Не спрашивают: фото паспорта, платёж, пароли, коды из банка.",
                "What is asked: your full name in Cyrillic, Russian passport series and number, date of issue, INN. Never asked: passport photos, payments, passwords, bank codes.",
            ),
            "checklist-who" => (
                "Кто спрашивает: экспресс-перевозчик, который ввозит посылку (его название есть в SMS и письме), для таможенного реестра.",
                "Who asks: the express carrier bringing the parcel in (named in the SMS and e-mail), for the customs register.",
            ),
            "checklist-link" => (
                "Как проверить ссылку: откройте сайт перевозчика, набрав адрес вручную, или проверьте, что адрес ссылки — именно домен перевозчика из SMS (например, https://desk.carrier.ru/c/…), без лишних букв и поддоменов. SMS ссылку не содержит: ссылка приходит только письмом.",
                "How to check the link: open the carrier's site by typing its address yourself, or check that the link's domain is exactly the carrier's domain named in the SMS (e.g. https://desk.carrier.ru/c/…), with no extra letters or sub-domains. The SMS carries no link: the link comes only by e-mail.",
            ),
            "checklist-refuse" => (
                "Если отказаться: таможня не выпустит посылку, её вернут продавцу (обычно через 7 дней без ответа); деньги — через спор или возврат у продавца.",
                "If you refuse: customs will not release the parcel, it goes back to the seller (usually after 7 days without an answer); get your money back through the seller's return or a dispute.",
            ),
            "checklist-time" => (
                "Срок: обычно 7 дней с поступления на таможню.",
                "Time: usually 7 days from arrival at customs.",
            ),
            _ => return key.to_owned(),
        };
        match self.0 {
            Lang::Ru => ru.to_owned(),
            Lang::En => en.to_owned(),
        }
    }

    /// A field error in words, from the pure crate's stable key (`Invalid::key`).
    pub(crate) fn invalid(&self, key: &str) -> String {
        let (ru, en) = match key {
            "missing" => ("Заполните это поле.", "Please fill in this field."),
            "too_long" => ("Слишком длинно.", "Too long."),
            "inn_not_digits" => ("ИНН состоит только из цифр.", "An INN has digits only."),
            "inn_length" => (
                "ИНН физического лица — 12 цифр.",
                "A person's INN has 12 digits.",
            ),
            "inn_check_digit" => (
                "ИНН с ошибкой: не сходится контрольная цифра. Проверьте номер.",
                "This INN has a typo: its check digit does not match. Please check the number.",
            ),
            "inn_of_organisation" => (
                "Это ИНН организации; нужен ИНН физического лица (12 цифр).",
                "This is a company's INN; a person's INN (12 digits) is needed.",
            ),
            "passport_series" => (
                "Серия паспорта — 4 цифры.",
                "The passport series has 4 digits.",
            ),
            "passport_number" => (
                "Номер паспорта — 6 цифр.",
                "The passport number has 6 digits.",
            ),
            "series_year_in_future" => (
                "Такой серии ещё не выдавали: проверьте последние две цифры.",
                "No passport of this series exists yet: check its last two digits.",
            ),
            "document_type" => ("Выберите документ.", "Choose a document."),
            "date_format" => ("Дата в виде ДД.ММ.ГГГГ.", "A date as DD.MM.YYYY."),
            "date_in_future" => (
                "Дата не может быть в будущем.",
                "The date cannot be in the future.",
            ),
            "before_passport_existed" => (
                "Паспорта РФ выдаются с 13.03.1997.",
                "Russian passports are issued since 13 Mar 1997.",
            ),
            "before_age_14" => (
                "Паспорт выдаётся не раньше 14 лет.",
                "A passport is issued from age 14.",
            ),
            "implausible_birth_date" => (
                "Проверьте дату рождения.",
                "Please check the date of birth.",
            ),
            "not_cyrillic" | "latin_in_name" => (
                "Пишите кириллицей, как в паспорте.",
                "Write it in Cyrillic, as in the passport.",
            ),
            "name_shape" => ("Проверьте написание.", "Please check the spelling."),
            "control_character" => ("Одна строка, без переносов.", "One line, no line breaks."),
            _ => ("Проверьте значение.", "Please check this value."),
        };
        match self.0 {
            Lang::Ru => ru.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}
