#!/usr/bin/env python3
"""Deterministic input generator for the posylka-vs-peer benchmark.

Two modes:

  gen_inputs.py ids  [--count N] [--seed S] [--out FILE] [--labels FILE]
      N lines (default 100000), one "number" per line, in a realistic mix
      of what users paste into a tracker: valid and broken S10 numbers,
      messy spacing/case, Cyrillic look-alike letters, UPS/FedEx/DHL/USPS,
      Russian Post 14-digit, Cainiao LP, YunExpress YT, AliExpress order
      numbers, junk and blank lines. --labels writes one category name per
      line (same order) so results can be scored per category.

  gen_inputs.py text --mb M [--seed S] [--out FILE]
      About M MiB of e-mail-like text (an mbox-style stream of Russian,
      English and Chinese shipping notifications with tracking numbers,
      order numbers, prices, dates, phone numbers and addresses).
      Every message starts with a line beginning "From " so a runner can
      split the stream into messages.

  gen_inputs.py selfcheck
      Checks the check-digit helpers against published test vectors.

Same seed, same output: the only randomness is random.Random(seed).

Facts used (no code copied):
  * S10 check digit, weights 8 6 4 2 3 5 9 7, mod 11 (UPU S10-12).
  * The UPU country list and the UPS/USPS service-type lists, checksum
    parameters (mod10 multipliers, FedEx weights, DHL mod 7) come from
    jkeen/tracking_number_data (MIT, Copyright (c) 2017 Jeff Keen),
    couriers/{s10,ups,usps,fedex,dhl}.json at b79ce4b.
  * Russian Post 14-digit check digit: 3/1 weights, mod 10.
"""

from __future__ import annotations

import argparse
import io
import random
import sys

# --- reference data (see module docstring for sources) ----------------------

# jkeen s10.json "CountryCode" lookup (191 UPU member codes).
UPU_COUNTRIES = frozenset(
    (
        "AF AL DZ AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN "
        "BG BF BI KH CM CA CV CF TD CL CN HK CO KM CG CR HR CU CY CZ CI KP CD DK "
        "DJ DM DO EC EG SV GQ ER EE ET FJ FI FR GA GM GE DE GH GB GR GD GT GN GW "
        "GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO KZ KE KI KR KW KG LA LV LB "
        "LS LR LY LI LT LU MG MW MY MV ML MT MR MU MX MD MC MN ME MA MZ MM NA NR "
        "NP NL NZ NI NE NG NO OM PK PA PG PY PE PH PL PT QA RO RU RW KN LC VC WS "
        "SM ST SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SZ SE CH SY TJ TZ "
        "TH MK TL TG TO TT TN TR TM TV UG UA AE US UY UZ VU VA VE VN YE ZM ZW"
    ).split()
)

# (service indicators, suffix, weight): what actually reaches a Russian
# buyer. YP (Yanwen) is not a UPU country: "S10-like private".
S10_ROUTES = [
    (["RA", "RB", "RC", "RD", "RE", "RF", "RG", "RH", "RI", "RJ", "RK", "RL", "RM", "RN",
      "RO", "RP", "RQ", "RR", "RS", "RT", "RU", "RV", "RW", "RX", "RY"], "CN", 30),
    (["LK", "LM", "LC", "LP", "LT", "LX", "LZ"], "CN", 12),
    (["CP", "CY", "EA", "EB", "EE", "UA", "UB"], "CN", 6),
    (["RB", "RR", "LX"], "GB", 3),
    (["EE", "EA", "RA", "RB", "CA", "CE", "LA"], "RU", 10),
    (["ZA"], "LV", 8),
    (["RV", "UA", "ZA", "ZH", "ZN", "ZJ", "RB"], "HK", 8),
    (["RF", "LP", "RS"], "SG", 3),
    (["RR", "EE", "CP"], "KZ", 2),
    (["RB", "RR", "CB"], "BY", 2),
    (["RS", "RX"], "DE", 2),
    (["LX", "RA", "UV"], "CH", 2),
    (["UB", "UD", "UG", "UR", "VR"], "YP", 6),
]

# jkeen ups.json ServiceType lookup.
UPS_SERVICE = ["01", "02", "03", "12", "13", "15", "22", "32", "33", "41", "42", "44", "66",
               "72", "78", "90", "A0", "A1", "A2", "A8", "A9", "AA", "YW"]
# jkeen usps.json "USPS 20" ServiceType lookup, character classes expanded.
USPS_SERVICE = ["01", "02", "03", "04", "05", "06", "07", "08", "14", "21", "22", "23", "24",
                "25", "26", "34", "50", "56", "73", "82", "83", "85"]
FEDEX12_WEIGHTS = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]
S10_WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7]

# Latin capitals with a Cyrillic twin that Russian keyboards produce.
CYRILLIC_TWIN = {
    "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d",
    "K": "\u041a", "M": "\u041c", "O": "\u041e", "P": "\u0420", "T": "\u0422",
    "X": "\u0425", "Y": "\u0423",
}

RU_POSTCODES = ["101000", "125009", "190000", "620014", "630099", "443001", "350000",
                "420111", "603000", "344002", "450077", "660049", "690091", "141730",
                "140980", "102961", "200961", "300961"]

# --- check digits -------------------------------------------------------------


def s10_check(serial8: str) -> int:
    """UPU S10 check digit for the 8 serial digits."""
    r = sum(int(d) * w for d, w in zip(serial8, S10_WEIGHTS)) % 11
    if r == 0:
        return 5
    if r == 1:
        return 0
    return 11 - r


def jkeen_mod10(serial: str, evens: int, odds: int) -> int:
    """jkeen 'mod10': 0-based even/odd positions get the multipliers,
    letters count as (ord(c) - 3) % 10; check = (10 - sum % 10) % 10."""
    total = 0
    for i, c in enumerate(serial):
        v = int(c) if c.isdigit() else (ord(c) - 3) % 10
        total += v * (evens if i % 2 == 0 else odds)
    return (10 - total % 10) % 10


def fedex12_check(serial11: str) -> int:
    return sum(int(d) * w for d, w in zip(serial11, FEDEX12_WEIGHTS)) % 11 % 10


def dhl_check(serial: str) -> int:
    return int(serial) % 7


def ru14_check(first13: str) -> int:
    odd = sum(int(first13[i]) for i in range(0, 13, 2))
    even = sum(int(first13[i]) for i in range(1, 13, 2))
    return (10 - (3 * odd + even) % 10) % 10


def selfcheck() -> int:
    """Published vectors (identifiers.md appendix A, jkeen test_numbers)."""
    failures = []

    def expect(name: str, got: object, want: object) -> None:
        if got != want:
            failures.append(f"{name}: got {got!r}, want {want!r}")

    expect("s10 RB123456785GB", s10_check("12345678"), 5)
    expect("s10 47312482", s10_check("47312482"), 9)
    expect("s10 RA000316760CN", s10_check("00031676"), 0)
    expect("s10 RA000000005CN", s10_check("00000000"), 5)
    expect("ru14 62009147017544", ru14_check("6200914701754"), 4)
    expect("ru14 10100016000050", ru14_check("1010001600005"), 0)
    expect("ru14 60300095123456 computes 8 (so the 6 is wrong)", ru14_check("6030009512345"), 8)
    expect("fedex12 986578788855", fedex12_check("98657878885"), 5)
    expect("fedex12 477179081230", fedex12_check("47717908123"), 0)
    expect("dhl 3318810025", dhl_check("331881002"), 5)
    expect("dhl 73891051146", dhl_check("7389105114"), 6)
    expect("ups 1Z5R89390357567127", jkeen_mod10("5R8939035756712", 1, 2), 7)
    expect("ups 1Z879E930346834440", jkeen_mod10("879E93034683444", 1, 2), 0)
    expect("usps20 03071790000523483741", jkeen_mod10("0307179000052348374", 3, 1), 1)
    expect("usps20 71123456789123456787", jkeen_mod10("7112345678912345678", 3, 1), 7)
    expect("usps22 9101123456789000000013", jkeen_mod10("910112345678900000001", 3, 1), 3)
    # Generated numbers must satisfy the same helpers.
    rng = random.Random(1)
    for _ in range(1000):
        n, _label = gen_s10_valid(rng)
        expect("generated s10 " + n, s10_check(n[2:10]), int(n[10]))
        r = gen_ru14(rng)
        expect("generated ru14 " + r, ru14_check(r[:13]), int(r[13]))
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    print(f"selfcheck: {len(failures)} failure(s)", file=sys.stderr)
    return 1 if failures else 0


# --- id generators --------------------------------------------------------------


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def pick_route(rng: random.Random) -> tuple[str, str]:
    prefixes, suffix, _w = rng.choices(S10_ROUTES, weights=[r[2] for r in S10_ROUTES])[0]
    return rng.choice(prefixes), suffix


def gen_s10_valid(rng: random.Random) -> tuple[str, str]:
    prefix, suffix = pick_route(rng)
    serial = digits(rng, 8)
    label = "s10_valid" if suffix in UPU_COUNTRIES else "s10_private"
    return f"{prefix}{serial}{s10_check(serial)}{suffix}", label


def gen_s10_bad_check(rng: random.Random) -> str:
    prefix, suffix = pick_route(rng)
    serial = digits(rng, 8)
    good = s10_check(serial)
    bad = rng.choice([d for d in range(10) if d != good])
    return f"{prefix}{serial}{bad}{suffix}"


def messy(rng: random.Random, s: str) -> str:
    """What people do to a number when they copy or retype it."""
    style = rng.randrange(6)
    if style == 0:  # "rb 1234 5678 5gb"
        s = f"{s[:2]} {s[2:6]} {s[6:10]} {s[10:]}".lower()
    elif style == 1:
        s = s.lower()
    elif style == 2:
        s = f"{s[:2]} {s[2:11]} {s[11:]}"
    elif style == 3:
        s = f"{s[:2]}-{s[2:6]}-{s[6:10]}-{s[10:]}"
    elif style == 4:
        s = " ".join(s)
    else:
        s = s[:2].lower() + s[2:11] + s[11:].lower()
    return rng.choice(["", "", " ", "\t", "  "]) + s + rng.choice(["", "", " ", "  ", "\t"])


def cyrillicise(rng: random.Random, s: str) -> str:
    """Swap letters that have a Cyrillic twin; keep at least one swapped."""
    for _ in range(50):
        out = "".join(CYRILLIC_TWIN.get(c, c) if c.isalpha() and rng.random() < 0.8 else c
                      for c in s)
        if out != s:
            return out
        s, _label = gen_s10_valid(rng)
    return s


def gen_s10_cyrillic(rng: random.Random) -> str:
    while True:
        s, label = gen_s10_valid(rng)
        if label == "s10_valid" and any(c in CYRILLIC_TWIN for c in s[:2] + s[11:]):
            return cyrillicise(rng, s)


def spaced4(s: str) -> str:
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def gen_ups(rng: random.Random) -> str:
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    shipper = "".join(rng.choice(alnum) for _ in range(6))
    serial = shipper + rng.choice(UPS_SERVICE) + digits(rng, 7)
    n = f"1Z{serial}{jkeen_mod10(serial, 1, 2)}"
    if rng.random() < 0.2:  # UPS prints "1Z 999 AA1 01 2345 6784"
        n = f"{n[:2]} {n[2:5]} {n[5:8]} {n[8:10]} {n[10:14]} {n[14:]}"
    return n


def gen_fedex12(rng: random.Random) -> str:
    serial = rng.choice("1234567") + digits(rng, 10)
    n = f"{serial}{fedex12_check(serial)}"
    return spaced4(n) if rng.random() < 0.2 else n


def gen_dhl10(rng: random.Random) -> str:
    serial = rng.choice("123456789") + digits(rng, 8)
    return f"{serial}{dhl_check(serial)}"


def gen_usps(rng: random.Random) -> tuple[str, str]:
    body = rng.choice(USPS_SERVICE) + digits(rng, 17)
    if rng.random() < 0.5:
        n, label = f"{body}{jkeen_mod10(body, 3, 1)}", "usps20"
    else:
        serial = "91" + body
        n, label = f"{serial}{jkeen_mod10(serial, 3, 1)}", "usps22"
    return (spaced4(n) if rng.random() < 0.3 else n), label


def ru_month_code(rng: random.Random) -> str:
    year = rng.randint(2023, 2026)
    month = rng.randint(1, 12)
    return f"{((year - 2000) * 12 + (month - 1)) % 99 + 1:02d}"


def gen_ru14(rng: random.Random) -> str:
    first = rng.choice(RU_POSTCODES) + ru_month_code(rng) + digits(rng, 5)
    return f"{first}{ru14_check(first)}"


def gen_cainiao(rng: random.Random) -> str:
    return "LP00" + digits(rng, 12)


def gen_yunexpress(rng: random.Random) -> str:
    return f"YT{rng.randint(22, 26)}" + digits(rng, 14)


def gen_ali_order(rng: random.Random) -> str:
    return rng.choice(["81", "80", "30", "31", "50"]) + digits(rng, 14)


JUNK = [
    "hello", "спасибо", "где моя посылка?", "заказ", "трек", "tracking number", "N/A", "нет",
    "12345", "asdfgh", "qwerty123", "Order #", "您的包裹", "快递单号", "ok", "???", "test",
    "https://track.aliexpress.com/logisticsdetail.htm", "+7 916 123-45-67", "пришло?",
    "LP", "RA12345CN", "1Z", "YT", "posylka", "Москва", "no tracking yet", "1 234,56 ₽",
    "2026-03-12", "12.03.2026", "ул. Ленина, д. 5",
]


def gen_junk(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return rng.choice(JUNK)
    if r < 0.8:
        alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return "".join(rng.choice(alnum) for _ in range(rng.randint(6, 24)))
    # Lengths 10-22 are left out: random digits there pass some carrier's
    # checksum often enough (DHL mod 7, FedEx mod 11) to blur the scoring.
    return digits(rng, rng.choice([3, 4, 5, 6, 7, 8, 9, 23, 24, 25]))


def gen_blank(rng: random.Random) -> str:
    return rng.choice(["", "", " ", "   ", "\t", " - ", "."])


# (label, weight, generator); weights are percent of lines.
ID_MIX = [
    ("s10_valid*", 30, gen_s10_valid),
    ("s10_bad_check", 5, gen_s10_bad_check),
    ("s10_messy", 8, None),
    ("s10_cyrillic", 4, gen_s10_cyrillic),
    ("ups", 5, gen_ups),
    ("fedex12", 4, gen_fedex12),
    ("dhl10", 4, gen_dhl10),
    ("usps*", 4, gen_usps),
    ("ru14", 9, gen_ru14),
    ("cainiao_lp", 8, gen_cainiao),
    ("yunexpress", 4, gen_yunexpress),
    ("ali_order", 7, gen_ali_order),
    ("junk", 5, gen_junk),
    ("blank", 3, gen_blank),
]


def gen_id_line(rng: random.Random) -> tuple[str, str]:
    label, _w, fn = rng.choices(ID_MIX, weights=[m[1] for m in ID_MIX])[0]
    if label in ("s10_valid*", "usps*"):
        return fn(rng)
    if label == "s10_messy":
        s, _ = gen_s10_valid(rng)
        return messy(rng, s), label
    return fn(rng), label


def write_ids(out: io.TextIOBase, count: int, seed: int, labels_path: str | None) -> None:
    rng = random.Random(seed)
    labels = open(labels_path, "w", encoding="utf-8") if labels_path else None
    try:
        for _ in range(count):
            line, label = gen_id_line(rng)
            out.write(line + "\n")
            if labels:
                labels.write(label + "\n")
    finally:
        if labels:
            labels.close()


# --- e-mail-like text -------------------------------------------------------------

RU_NAMES = ["Иван", "Мария", "Алексей", "Ольга", "Дмитрий", "Наталья", "Сергей", "Анна"]
EN_NAMES = ["John", "Mary", "Alex", "Olga", "Dmitry", "Emma", "Chris", "Anna"]
CN_NAMES = ["王先生", "李女士", "张伟", "刘洋", "陈静"]
RU_CITIES = ["г. Москва", "г. Санкт-Петербург", "г. Екатеринбург", "г. Новосибирск",
             "г. Казань", "г. Самара", "г. Краснодар", "г. Владивосток"]
RU_STREETS = ["ул. Ленина", "пр-т Мира", "ул. Садовая", "ул. Гагарина", "Невский пр-т"]
CN_ADDR = ["广东省深圳市龙岗区坂田街道", "浙江省义乌市稠城街道", "上海市浦东新区张江路",
           "广州市白云区太和镇"]
ITEMS_EN = ["USB-C cable 2m", "phone case", "LED strip 5m", "wireless earbuds",
            "silicone baking mat", "bike light", "watch strap 22mm"]
ITEMS_RU = ["Кабель USB-C 2 м", "Чехол для телефона", "Светодиодная лента 5 м",
            "Беспроводные наушники", "Силиконовый коврик", "Фонарь для велосипеда"]
ITEMS_CN = ["数据线", "手机壳", "LED灯带", "无线耳机", "自行车灯"]
FILLER_EN = [
    "Thank you for shopping with us.",
    "Please allow 10-14 days for tracking information to appear.",
    "If you have any questions, reply to this e-mail or contact our support team.",
    "Delivery times are estimates and may vary during holidays.",
    "You can view your order details in the app under My Orders.",
    "Do not share your verification code with anyone.",
]
FILLER_RU = [
    "Спасибо, что выбрали наш магазин.",
    "Информация об отслеживании появится в течение 10–14 дней.",
    "Если у вас есть вопросы, ответьте на это письмо или напишите в поддержку.",
    "Срок доставки указан ориентировочно и может измениться.",
    "Для получения посылки при себе необходимо иметь паспорт.",
    "Никому не сообщайте код подтверждения.",
]
FILLER_CN = [
    "感谢您的购买。",
    "物流信息通常会在发货后10至14天内更新。",
    "如有任何问题，请联系在线客服。",
    "节假日期间配送时间可能会有所延迟。",
]


def any_tracking(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return gen_s10_valid(rng)[0]
    if r < 0.6:
        return gen_cainiao(rng)
    if r < 0.72:
        return gen_ru14(rng)
    if r < 0.8:
        return gen_yunexpress(rng)
    if r < 0.88:
        return gen_ups(rng).replace(" ", "")
    if r < 0.94:
        return gen_s10_bad_check(rng)
    return gen_fedex12(rng).replace(" ", "")


def date_parts(rng: random.Random) -> tuple[int, int, int, int, int]:
    return (rng.randint(2024, 2026), rng.randint(1, 12), rng.randint(1, 28),
            rng.randint(0, 23), rng.randint(0, 59))


def phone_ru(rng: random.Random) -> str:
    return f"+7 ({rng.randint(900, 999)}) {digits(rng, 3)}-{digits(rng, 2)}-{digits(rng, 2)}"


def msg_ru(rng: random.Random) -> str:
    y, mo, d, h, mi = date_parts(rng)
    name = rng.choice(RU_NAMES)
    track = any_tracking(rng)
    order = gen_ali_order(rng)
    price = f"{rng.randint(1, 30)} {rng.randint(0, 999):03d},{rng.randint(0, 99):02d} ₽"
    filler = " ".join(rng.sample(FILLER_RU, 3))
    lines = [
        f"Subject: Ваш заказ {order} отправлен",
        f"Date: {d:02d}.{mo:02d}.{y} {h:02d}:{mi:02d}",
        "",
        f"Здравствуйте, {name}!",
        f"Ваш заказ № {order} от {d:02d}.{mo:02d}.{y} передан в доставку.",
        f"Трек-номер для отслеживания: {track}",
        f"Отследить: https://www.pochta.ru/tracking#{track}",
        f"Товар: {rng.choice(ITEMS_RU)}, {rng.randint(1, 5)} шт. Сумма: {price}",
        f"Адрес доставки: {rng.choice(RU_POSTCODES)}, {rng.choice(RU_CITIES)}, "
        f"{rng.choice(RU_STREETS)}, д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}",
        f"Телефон получателя: {phone_ru(rng)}",
        filler,
        "Служба поддержки: 8 (800) 100-00-00, ежедневно с 9:00 до 21:00.",
    ]
    if rng.random() < 0.3:
        lines.insert(6, f"Дополнительный номер отправления: {gen_ru14(rng)}")
    return "\n".join(lines)


def msg_en(rng: random.Random) -> str:
    y, mo, d, h, mi = date_parts(rng)
    name = rng.choice(EN_NAMES)
    track = any_tracking(rng)
    order = gen_ali_order(rng)
    filler = " ".join(rng.sample(FILLER_EN, 3))
    lines = [
        f"Subject: Your order {order} has shipped",
        f"Date: {y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:00Z",
        "",
        f"Hi {name},",
        f"Good news! Your order #{order} placed on {y}-{mo:02d}-{d:02d} is on its way.",
        f"Tracking number: {track}",
        f"Track it at https://global.cainiao.com/detail.htm?mailNoList={track}",
        f"Item: {rng.choice(ITEMS_EN)} x{rng.randint(1, 4)}   Total: US ${rng.randint(1, 80)}.{rng.randint(0, 99):02d}",
        f"Ship to: {name} Smith, {rng.randint(1, 999)} Main St Apt {rng.randint(1, 40)}, "
        f"Springfield, IL {digits(rng, 5)}",
        f"Phone: +1 ({digits(rng, 3)}) 555-{digits(rng, 4)}",
        filler,
        f"Estimated delivery: {rng.randint(10, 28)}-{rng.randint(29, 60)} days.",
    ]
    return "\n".join(lines)


def msg_cn(rng: random.Random) -> str:
    y, mo, d, h, mi = date_parts(rng)
    track = any_tracking(rng)
    order = gen_ali_order(rng)
    filler = "".join(rng.sample(FILLER_CN, 2))
    lines = [
        f"Subject: 您的订单{order}已发货",
        f"Date: {y}年{mo}月{d}日 {h:02d}:{mi:02d}",
        "",
        f"尊敬的{rng.choice(CN_NAMES)}，您好！",
        f"您的订单（订单号：{order}）已于{y}年{mo}月{d}日发货。",
        f"运单号：{track}",
        f"商品：{rng.choice(ITEMS_CN)} × {rng.randint(1, 5)}，金额：¥{rng.randint(5, 500)}.{rng.randint(0, 99):02d}",
        f"发货地址：{rng.choice(CN_ADDR)}{rng.randint(1, 300)}号",
        f"客服电话：400-{digits(rng, 3)}-{digits(rng, 4)}，手机：1{rng.choice('3578')}{digits(rng, 9)}",
        filler,
    ]
    return "\n".join(lines)


def write_text(out: io.TextIOBase, mib: float, seed: int) -> None:
    rng = random.Random(seed)
    target = int(mib * 1024 * 1024)
    written = 0
    n = 0
    buf: list[str] = []
    while written < target:
        y, mo, d, h, mi = date_parts(rng)
        kind = rng.choices([msg_ru, msg_en, msg_cn], weights=[5, 3, 2])[0]
        msg = (f"From notify@shop{rng.randint(1, 50)}.example "
               f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}\n{kind(rng)}\n\n")
        buf.append(msg)
        written += len(msg.encode("utf-8"))
        n += 1
        if len(buf) >= 512:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


# --- CLI ----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    ids = sub.add_parser("ids", help="one number per line")
    ids.add_argument("--count", type=int, default=100000)
    ids.add_argument("--seed", type=int, default=20260301)
    ids.add_argument("--out", default="-")
    ids.add_argument("--labels", help="write the category of each line to this file")
    txt = sub.add_parser("text", help="e-mail-like text")
    txt.add_argument("--mb", type=float, required=True, help="size in MiB")
    txt.add_argument("--seed", type=int, default=20260302)
    txt.add_argument("--out", default="-")
    sub.add_parser("selfcheck", help="verify the check-digit helpers")
    args = ap.parse_args()

    if args.mode == "selfcheck":
        return selfcheck()
    out = (open(args.out, "w", encoding="utf-8", newline="\n") if args.out != "-"
           else io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n"))
    try:
        if args.mode == "ids":
            write_ids(out, args.count, args.seed, args.labels)
        else:
            write_text(out, args.mb, args.seed)
    finally:
        out.flush()
        if args.out != "-":
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
