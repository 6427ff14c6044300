//! The data files, in ranking order: on equal confidence the earlier format ranks first, so
//! Posylka's corridor formats come before jkeen's files.
//!
//! One list for both users: the build script compiles every format's pattern into the format
//! set's automaton, and the catalogue embeds the files' text, each format keeping its position.

/// Paths under `data/`.
pub(crate) const DATA_FILES: &[&str] = &[
    "corridor/russian_post.json",
    "corridor/cainiao.json",
    "corridor/aliexpress.json",
    "corridor/yanwen.json",
    "corridor/fourpx.json",
    "corridor/sunyou.json",
    "corridor/jnet.json",
    "corridor/sf_express.json",
    "corridor/jd_logistics.json",
    "corridor/china_post_domestic.json",
    "corridor/cdek.json",
    "corridor/boxberry.json",
    "corridor/dpd_russia.json",
    "corridor/cis_couriers.json",
    "tracking_number_data/couriers/s10.json",
    "tracking_number_data/couriers/yunexpress.json",
    "tracking_number_data/couriers/dhl.json",
    "tracking_number_data/couriers/ups.json",
    "tracking_number_data/couriers/fedex.json",
    "tracking_number_data/couriers/usps.json",
    "tracking_number_data/couriers/dpd.json",
    "tracking_number_data/couriers/amazon.json",
    "tracking_number_data/couriers/canadapost.json",
    "tracking_number_data/couriers/canpar.json",
    "tracking_number_data/couriers/gofo.json",
    "tracking_number_data/couriers/landmark.json",
    "tracking_number_data/couriers/lasership.json",
    "tracking_number_data/couriers/old_dominion.json",
    "tracking_number_data/couriers/ontrac.json",
    "tracking_number_data/couriers/purolator.json",
    "tracking_number_data/couriers/speedee.json",
    "tracking_number_data/couriers/yodel.json",
];
