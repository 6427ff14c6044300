//! Identification and scanning throughput.
//!
//! `cargo bench -p posylka-tracknum`. Figures are per input (identify) and per byte of e-mail-like
//! text (scan); compare runs of the same build only, the machine is shared.

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use tracknum::{Identification, identify_into, scan};

fn main() {
    divan::main();
}

/// A mix of what people paste: S10, corridor, courier, order numbers, typos and junk.
const INPUTS: &[&str] = &[
    "RB123456785GB",
    "rb 1234 5678 5gb",
    "RA123456786CN",
    "LP00573419278865",
    "YT2229521272164446",
    "62009147017544",
    "3074935419642839",
    "1Z5R89390357567127",
    "3318810025",
    "ZA123456785LV",
    "РА123456785СN",
    "hello world",
    "9400100000000000000000",
    "UB123456789YP",
];

#[divan::bench]
fn identify(bencher: Bencher<'_, '_>) {
    let mut out = Identification::default();
    // Warm the lazily compiled per-format matchers.
    for input in INPUTS {
        identify_into(input, &mut out);
    }
    bencher
        .counter(ItemsCount::new(INPUTS.len()))
        .bench_local(|| {
            for input in INPUTS {
                identify_into(black_box(input), &mut out);
            }
            black_box(out.candidates.len())
        });
}

fn email_text() -> String {
    let block = "Здравствуйте! Ваш заказ №3074935419642839 от 21.11.2026 на сумму 1 234,56 ₽ отправлен.\n\
        Трек-номер: RB 1234 5678 5GB. Отследить можно на сайте Почты России в течение 5-10 дней.\n\
        Hello, your order has shipped via AliExpress Standard Shipping, tracking LP00573419278865.\n\
        Estimated delivery: 20-45 days. Questions? Call +7 916 123-45-67 or reply to this e-mail.\n\
        您好，您的包裹已发货，运单号：YT2229521272164446，预计15个工作日送达。谢谢惠顾！\n\
        Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\n";
    block.repeat(2000)
}

#[divan::bench]
fn scan_email(bencher: Bencher<'_, '_>) {
    let text = email_text();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            let mut n = 0usize;
            scan(black_box(text.as_bytes()), |_| n += 1);
            black_box(n)
        });
}
