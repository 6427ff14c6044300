//! Where parcels go and pass through: destination cities with their postcodes and UTC offsets,
//! the offices of exchange and sorting centres on the way, and the Chinese origin hubs.
//!
//! Postcodes are real city ranges (the first three digits name the city or district in Russia,
//! Kazakhstan and Belarus), so a "delivered" at another city's postcode is visibly elsewhere
//! while a pickup office in the buyer's own city shares the prefix.

/// A destination city.
#[derive(Debug, Clone, Copy)]
pub(crate) struct City {
    /// The name in Russian, as buyers and the posts write it.
    pub ru: &'static str,
    /// The name in Latin script, upper case as express carriers print it.
    pub latin: &'static str,
    /// Delivery-office postcodes of the city.
    pub postcodes: &'static [&'static str],
    /// The city's offset from UTC in minutes.
    pub offset: i32,
}

/// A destination country.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub iso: &'static str,
    /// The English name, upper case as express carriers print it.
    pub latin: &'static str,
    /// Its cities; the first is the capital or main hub.
    pub cities: &'static [City],
    /// Inward offices of exchange: (location text, offset in minutes).
    pub exchanges: &'static [(&'static str, i32)],
    /// Sorting centres on the way from the exchange: (location text, offset in minutes).
    pub hubs: &'static [(&'static str, i32)],
}

const fn city(
    ru: &'static str,
    latin: &'static str,
    postcodes: &'static [&'static str],
    offset_hours: i32,
) -> City {
    City {
        ru,
        latin,
        postcodes,
        offset: offset_hours * 60,
    }
}

pub(crate) const RUSSIA: Country = Country {
    iso: "RU",
    latin: "RUSSIA",
    cities: &[
        city(
            "Москва",
            "MOSCOW",
            &[
                "101000", "105005", "109012", "115093", "119019", "123001", "125009", "127006",
            ],
            3,
        ),
        city(
            "Санкт-Петербург",
            "SAINT PETERSBURG",
            &[
                "190000", "190031", "191014", "192007", "194044", "196084", "197022", "199034",
            ],
            3,
        ),
        city(
            "Казань",
            "KAZAN",
            &[
                "420012", "420021", "420061", "420073", "420087", "420101", "420107", "420111",
            ],
            3,
        ),
        city(
            "Екатеринбург",
            "YEKATERINBURG",
            &[
                "620014", "620026", "620041", "620062", "620075", "620100", "620137",
            ],
            5,
        ),
        city(
            "Новосибирск",
            "NOVOSIBIRSK",
            &["630004", "630007", "630049", "630091", "630099", "630102"],
            7,
        ),
        city(
            "Краснодар",
            "KRASNODAR",
            &["350000", "350015", "350020", "350033", "350042", "350063"],
            3,
        ),
        city(
            "Самара",
            "SAMARA",
            &["443001", "443010", "443020", "443041", "443068", "443099"],
            4,
        ),
        city(
            "Нижний Новгород",
            "NIZHNY NOVGOROD",
            &["603000", "603005", "603022", "603057", "603093"],
            3,
        ),
        city(
            "Ростов-на-Дону",
            "ROSTOV-ON-DON",
            &["344000", "344002", "344010", "344019", "344038"],
            3,
        ),
        city(
            "Уфа",
            "UFA",
            &["450000", "450005", "450008", "450022", "450077"],
            5,
        ),
        city(
            "Владивосток",
            "VLADIVOSTOK",
            &["690001", "690002", "690014", "690033", "690091"],
            10,
        ),
        city(
            "Омск",
            "OMSK",
            &["644007", "644010", "644024", "644043", "644099"],
            6,
        ),
        city(
            "Воронеж",
            "VORONEZH",
            &["394000", "394006", "394018", "394030", "394036"],
            3,
        ),
        city(
            "Пермь",
            "PERM",
            &["614000", "614007", "614015", "614039", "614068"],
            5,
        ),
        city(
            "Калининград",
            "KALININGRAD",
            &["236000", "236006", "236022", "236039"],
            2,
        ),
        city(
            "Иркутск",
            "IRKUTSK",
            &["664003", "664011", "664025", "664047"],
            8,
        ),
    ],
    exchanges: &[
        ("Москва ММПО Внуково", 180),
        ("Москва ММПО Шереметьево", 180),
        ("Екатеринбург ММПО Кольцово", 300),
        ("Новосибирск ММПО Толмачево", 420),
        ("Санкт-Петербург ММПО Пулково", 180),
    ],
    hubs: &[
        ("Подольск МСЦ", 180),
        ("Москва АСЦ", 180),
        ("Екатеринбург МСЦ", 300),
        ("Новосибирск МСЦ", 420),
        ("Казань МСЦ", 180),
        ("Самара МСЦ", 240),
        ("Краснодар МСЦ", 180),
    ],
};

pub(crate) const KAZAKHSTAN: Country = Country {
    iso: "KZ",
    latin: "KAZAKHSTAN",
    cities: &[
        city(
            "Алматы",
            "ALMATY",
            &["050000", "050004", "050012", "050026", "050040", "050057"],
            5,
        ),
        city(
            "Астана",
            "ASTANA",
            &["010000", "010008", "010011", "010017"],
            5,
        ),
        city("Шымкент", "SHYMKENT", &["160000", "160012", "160021"], 5),
        city(
            "Караганда",
            "KARAGANDA",
            &["100000", "100008", "100012", "100017"],
            5,
        ),
    ],
    exchanges: &[("Алматы ММПО", 300), ("Астана ММПО", 300)],
    hubs: &[("Алматы СЦ", 300), ("Астана СЦ", 300)],
};

pub(crate) const BELARUS: Country = Country {
    iso: "BY",
    latin: "BELARUS",
    cities: &[
        city(
            "Минск",
            "MINSK",
            &["220004", "220030", "220036", "220050", "220089", "220114"],
            3,
        ),
        city(
            "Гомель",
            "GOMEL",
            &["246000", "246003", "246017", "246050"],
            3,
        ),
        city("Брест", "BREST", &["224005", "224013", "224030"], 3),
        city("Гродно", "GRODNO", &["230005", "230023", "230025"], 3),
        city("Витебск", "VITEBSK", &["210001", "210015", "210026"], 3),
    ],
    exchanges: &[("Минск ММПО", 180)],
    hubs: &[("Минск СЦ", 180), ("Гомель СЦ", 180)],
};

/// A place abroad where someone else's parcel ends up: (ISO code, location text, offset).
pub(crate) const ELSEWHERE_ABROAD: &[(&str, &str, i32)] = &[
    ("CA", "TORONTO ON M5V 2T6", -300),
    ("CA", "VANCOUVER BC V6B 1A1", -480),
    ("US", "LOS ANGELES CA 90021", -480),
    ("US", "NEW YORK NY 10001", -300),
];

/// Chinese origin cities and hubs: (Chinese, Latin).
pub(crate) const ORIGIN_HUBS: &[(&str, &str)] = &[
    ("义乌市", "YIWU"),
    ("广州市", "GUANGZHOU"),
    ("深圳市", "SHENZHEN"),
    ("东莞市", "DONGGUAN"),
    ("杭州市", "HANGZHOU"),
    ("金华市", "JINHUA"),
    ("苏州市", "SUZHOU"),
    ("汕头市", "SHANTOU"),
];

/// Chinese outward offices of exchange and airports: (Chinese, Latin).
pub(crate) const ORIGIN_EXCHANGES: &[(&str, &str)] = &[
    ("广州国际邮件互换局", "GUANGZHOU"),
    ("上海国际邮件互换局", "SHANGHAI"),
    ("北京国际邮件互换局", "BEIJING"),
    ("郑州国际邮件互换局", "ZHENGZHOU"),
    ("乌鲁木齐国际邮件互换局", "URUMQI"),
];

/// China's offset from UTC in minutes.
pub(crate) const CHINA_OFFSET: i32 = 8 * 60;
