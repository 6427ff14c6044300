#!/usr/bin/env python3
"""Writes the test messages in this directory.

The messages were written for Posylka (no real mail, no real person): the wording follows
what marketplaces and carriers send, the numbers are valid test numbers. They are generated
because base64 and quoted-printable bodies in koi8-r, windows-1251 and gb2312 cannot be
written by hand. Run from this directory: python3 make_fixtures.py
"""

import base64
import quopri

CRLF = "\r\n"


def word(text, charset):
    """An RFC 2047 encoded word (B encoding), with the charset name mail clients write."""
    data = base64.b64encode(text.encode(charset)).decode("ascii")
    return f"=?{charset}?B?{data}?="


def b64(text, charset):
    data = base64.b64encode(text.encode(charset)).decode("ascii")
    return CRLF.join(data[i : i + 76] for i in range(0, len(data), 76))


def qp(text, charset):
    return quopri.encodestring(text.encode(charset)).decode("ascii").replace("\n", CRLF)


def write(name, headers, body):
    text = CRLF.join(f"{k}: {v}" for k, v in headers) + CRLF + CRLF + body + CRLF
    with open(name, "wb") as f:
        f.write(text.encode("ascii"))


# An HTML-only AliExpress "shipped" notice, laid out in a table, quoted-printable.
ALI_HTML = """<!DOCTYPE html><html><head><title>Order shipped</title>
<style>td { padding: 4px; }</style></head><body>
<p>Hi Ivan Petrov,</p>
<p>Good news! Your package is on its way.</p>
<table>
<tr><td>Order ID</td><td>8190000000000001</td></tr>
<tr><td>Order date:</td><td>2026-11-02 14:31</td></tr>
<tr><td>Store:</td><td><a href="https://www.aliexpress.com/store/1234">Xiaomi Official Store</a></td></tr>
<tr><td>Total:</td><td>US&nbsp;$12.48</td></tr>
<tr><td>Logistics service:</td><td>AliExpress Standard Shipping</td></tr>
<tr><td>Tracking number:</td><td><b>LP00573419278865</b></td></tr>
</table>
<p>Ship to: Ivan Petrov, ul. Baumana 12, Kazan 420000, +7&nbsp;916&nbsp;123-45-67</p>
<p>Estimated delivery: Dec 05 - Dec 24. Questions? Call +1 (800) 555-0199.</p>
<!-- tracking pixel id 99999999999999 -->
</body></html>"""

write(
    "aliexpress_shipped.html.eml",
    [
        ("Return-Path", "<bounce@notice.aliexpress.com>"),
        ("From", "AliExpress <transaction@notice.aliexpress.com>"),
        ("To", '"Ivan Petrov" <ivan.petrov@example.ru>'),
        ("Subject", "Your order 8190000000000001 has been shipped"),
        ("Date", "Sat, 21 Nov 2026 09:14:03 +0800"),
        ("Message-ID", "<20261121011403.8190000000000001@notice.aliexpress.com>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/html; charset="utf-8"'),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ],
    qp(ALI_HTML, "utf-8"),
)

# A Russian AliExpress notice: text in koi8-r (base64), HTML in windows-1251
# (quoted-printable), subject as a koi8-r encoded word.
ALI_RU_TEXT = """Здравствуйте, Иван!

Ваш заказ 3074935419642839 отправлен.
Продавец: Мир чехлов
Дата отправки: 20.11.2026
Трек-номер: RA123456785CN

Адрес доставки: 420000, Казань, ул. Баумана, 12, Иванов Иван.
Посылка будет доставлена в течение 15-30 дней. Телефон поддержки 8 800 100-00-00."""

ALI_RU_HTML = """<html><body><p>Здравствуйте, Иван!</p>
<p>Ваш заказ <b>3074935419642839</b> отправлен.</p>
<table><tr><td>Продавец:</td><td>Мир чехлов</td></tr>
<tr><td>Дата отправки:</td><td>20.11.2026</td></tr>
<tr><td>Трек-номер:</td><td>RA123456785CN</td></tr></table></body></html>"""

write(
    "aliexpress_ru.koi8-r.eml",
    [
        ("From", word("AliExpress Россия", "koi8-r") + " <no-reply@aliexpress.ru>"),
        ("To", word("Иван Иванов", "koi8-r") + " <ivanov@example.ru>"),
        ("Subject", word("Заказ 3074935419642839 отправлен", "koi8-r")),
        ("Date", "Sat, 21 Nov 2026 10:02:11 +0300"),
        ("Message-ID", "<ae-ru-3074935419642839@aliexpress.ru>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/alternative; boundary="b1"'),
    ],
    CRLF.join(
        [
            "--b1",
            'Content-Type: text/plain; charset="koi8-r"',
            "Content-Transfer-Encoding: base64",
            "",
            b64(ALI_RU_TEXT, "koi8-r"),
            "--b1",
            'Content-Type: text/html; charset="windows-1251"',
            "Content-Transfer-Encoding: quoted-printable",
            "",
            qp(ALI_RU_HTML, "cp1251"),
            "--b1--",
        ]
    ),
)

# Ozon: windows-1251 base64 text, a posting number of Ozon's own and a Russian Post number.
OZON_TEXT = """Здравствуйте!

Заказ № 12345678-0001 передан в службу доставки.
Магазин: ТехноМир
Трек-номер Почты России: 42000012345676

Сумма заказа: 1 234 ₽ (оплачено картой *1234).
Вопросы? Звоните 8 800 234-34-34 или пишите в чат."""

write(
    "ozon.windows-1251.eml",
    [
        ("From", "OZON <noreply@sender.ozon.ru>"),
        ("To", "buyer@example.ru"),
        ("Subject", word("Заказ № 12345678-0001 передан в доставку", "utf-8")),
        ("Date", "Mon, 23 Nov 2026 15:40:00 +0300"),
        ("Message-ID", "<ozon.12345678-0001.shipped@sender.ozon.ru>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=windows-1251"),
        ("Content-Transfer-Encoding", "base64"),
    ],
    b64(OZON_TEXT.replace("₽", "руб."), "cp1251"),
)

# A Cainiao notice in Chinese, gb2312 base64, with a written shipping time.
CAINIAO_TEXT = """尊敬的客户，您好！
您在速卖通购买的商品已发货，订单号：300500490098888。
运单号：YT2229521272164446，承运商：云途物流。
发货时间：2026-11-20 18:30
卖家：深圳好物店
客服电话：400-820-8820，工作时间9:00-18:00。金额：¥128.50元。"""

write(
    "cainiao.gb2312.eml",
    [
        ("From", word("菜鸟网络", "gb2312") + " <service@cainiao.com>"),
        ("To", "buyer@example.ru"),
        ("Subject", word("您的包裹已发货", "gb2312")),
        ("Date", "Sat, 21 Nov 2026 08:00:00 +0800"),
        ("Message-ID", "<cainiao-YT2229521272164446@cainiao.com>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/plain; charset="gb2312"'),
        ("Content-Transfer-Encoding", "base64"),
    ],
    b64(CAINIAO_TEXT.replace("¥", "￥"), "gb2312"),
)

# Joom: two orders, each with its parcel, and a PDF attachment.
JOOM_TEXT = """Your orders have been shipped!

Order #A77-123456
Seller: Gadget World
Tracking number: RB 1234 5678 5GB

Order #A77-654321
Tracking number: CJ123456785CN

Thank you for shopping with Joom."""

write(
    "joom_two_orders.eml",
    [
        ("From", "Joom <noreply@joom.com>"),
        ("To", "buyer@example.com"),
        ("Subject", "Your orders have been shipped"),
        ("Date", "Tue, 24 Nov 2026 12:00:00 +0000"),
        ("Message-ID", "<joom-two-orders@joom.com>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed; boundary="mix"'),
    ],
    CRLF.join(
        [
            "--mix",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            qp(JOOM_TEXT, "utf-8"),
            "--mix",
            'Content-Type: application/pdf; name="invoice.pdf"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="invoice.pdf"',
            "",
            b64("%PDF-1.4 RA123456785CN invoice body", "ascii"),
            "--mix--",
        ]
    ),
)

# A Russian Post arrival notice: a tracking number, no order, not a shipping notice.
POCHTA_TEXT = """Здравствуйте!

Ваше отправление RA223589016RU прибыло в место вручения.
Срок хранения — 30 дней, до 21.12.2026. Получите его по паспорту или через приложение."""

write(
    "pochta_arrived.eml",
    [
        ("From", word("Почта России", "utf-8") + " <noreply@pochta.ru>"),
        ("To", "buyer@example.ru"),
        ("Subject", word("Посылка RA223589016RU прибыла в место вручения", "utf-8")),
        ("Date", "Mon, 21 Dec 2026 11:00:00 +0300"),
        ("Message-ID", "<pochta-RA223589016RU-arrived@pochta.ru>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "",
)
# 8bit: the body goes in as UTF-8 bytes, not ASCII.
with open("pochta_arrived.eml", "ab") as f:
    f.write(POCHTA_TEXT.replace("\n", CRLF).encode("utf-8") + CRLF.encode("ascii"))

# A newsletter: prices, phones, dates, promo codes and ids in links, and no parcel at all.
NEWS_HTML = """<html><body><h1>Распродажа до 70%</h1>
<p>Только до 30.11.2026! Промокод SALE2026NOW на скидку 500 ₽ при заказе от 3 000 ₽.</p>
<p><a href="https://www.ozon.ru/product/1234567890123/?utm_campaign=99887766">Смартфон</a> за 12 990 ₽</p>
<p>Звоните: 8 800 234-34-34, +7 495 123-45-67. Ваш ID 55512345.</p></body></html>"""

write(
    "newsletter_no_numbers.eml",
    [
        ("From", "OZON <news@sender.ozon.ru>"),
        ("To", "buyer@example.ru"),
        ("Subject", word("Распродажа до 70% — только до 30.11", "utf-8")),
        ("Date", "Wed, 25 Nov 2026 09:00:00 +0300"),
        ("Message-ID", "<news-2026-11-25@sender.ozon.ru>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Transfer-Encoding", "base64"),
    ],
    b64(NEWS_HTML, "utf-8"),
)

# Not a message at all: the start of a PNG image.
with open("malformed.eml", "wb") as f:
    f.write(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"))
    f.write(bytes(range(256)))
