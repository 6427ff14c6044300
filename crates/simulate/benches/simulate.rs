//! Throughput of the journey simulator: documents generated per second, and the same with
//! each document written as a JSON line (what `posylka simulate` does).

use divan::{Bencher, black_box};
use posylka_simulate::{Mix, Simulation};

fn main() {
    divan::main();
}

const BATCH: u64 = 10_000;

fn simulation() -> Simulation {
    let now = posylka_simulate::DEFAULT_NOW
        .parse()
        .expect("valid default now");
    Simulation::new(42, now)
        .expect("now in range")
        .with_mix(Mix::Realistic)
}

#[divan::bench]
fn generate(bencher: Bencher<'_, '_>) {
    let sim = simulation();
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench(|| {
            for doc in sim.documents(BATCH) {
                black_box(doc);
            }
        });
}

#[divan::bench]
fn generate_and_write_json(bencher: Bencher<'_, '_>) {
    let sim = simulation();
    let mut out = Vec::with_capacity(16 << 20);
    bencher
        .counter(divan::counter::ItemsCount::new(BATCH))
        .bench_local(|| {
            out.clear();
            for doc in sim.documents(BATCH) {
                serde_json::to_writer(&mut out, &doc).expect("serialisable");
                out.push(b'\n');
            }
            black_box(out.len())
        });
}
