//! What carriers say: for each carrier ("voice") and journey step, the status codes and texts
//! its feed uses, in its own language, with the milestone each one means.
//!
//! Codes are the carriers' public ones, as the normaliser's tables in `crates/core/data/*.tsv`
//! know them (Russian Post `OperType.OperAttr`, China Post `opCode`, Cainiao `actionCode`,
//! Yanwen, CDEK, Boxberry status names, GBS broker codes, UPU EMSEVT); the texts follow the
//! real strings collected in the project's labelled event sample. Carriers without a code
//! table (YunExpress, DHL, Kazpost, Belpost, Canada Post, USPS) are text only, in the wording
//! their feeds use. A test runs every phrase through `posylka_core::normalize` and checks the
//! milestone given here.

use posylka_core::Milestone;

use Milestone as M;

/// A carrier as the simulator makes it speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Voice {
    /// China Post (中国邮政): opCodes, Chinese texts.
    ChinaPost,
    /// China Post EMS (中国邮政速递): push codes, then UPU EMSEVT codes for the exchange.
    ChinaEms,
    /// Cainiao / AliExpress logistics: action codes, English or Chinese texts.
    Cainiao,
    /// Yanwen (燕文): status codes, English or Chinese texts.
    Yanwen,
    /// YunExpress (云途): English texts, no codes.
    YunExpress,
    /// DHL Express: checkpoint codes and English texts (no code table: the text decides).
    Dhl,
    /// Russian Post: `OperType.OperAttr` codes and Russian texts.
    RussianPost,
    /// CDEK: v2 status codes and Russian texts.
    Cdek,
    /// Boxberry: status names only.
    Boxberry,
    /// GBS-broker, the customs broker of courier parcels China -> Russia.
    Gbs,
    /// Kazpost: Russian texts.
    Kazpost,
    /// Belpost: Russian texts.
    Belpost,
    /// Canada Post: English texts (a wrong delivery abroad).
    CanadaPost,
    /// USPS: English texts (a wrong delivery abroad).
    Usps,
}

impl Voice {
    /// The carrier names its feeds use, in any spelling the normaliser knows.
    pub(crate) fn names(self) -> &'static [&'static str] {
        match self {
            Voice::ChinaPost => &["China Post", "中国邮政", "China Post Registered Air Mail"],
            Voice::ChinaEms => &["China EMS", "中国邮政速递", "EMS"],
            Voice::Cainiao => &["Cainiao", "AliExpress Standard Shipping", "菜鸟"],
            Voice::Yanwen => &["Yanwen", "燕文"],
            Voice::YunExpress => &["YunExpress", "云途"],
            Voice::Dhl => &["DHL Express", "DHL"],
            Voice::RussianPost => &["Почта России", "Russian Post", "russian-post"],
            Voice::Cdek => &["CDEK", "СДЭК"],
            Voice::Boxberry => &["Boxberry"],
            Voice::Gbs => &["GBS-broker", "GBS"],
            Voice::Kazpost => &["Казпочта", "Kazpost"],
            Voice::Belpost => &["Белпочта", "Belpost"],
            Voice::CanadaPost => &["Canada Post"],
            Voice::Usps => &["USPS"],
        }
    }

    /// Whether the feed reports the status name in the text and no separate code.
    pub(crate) fn text_is_code(self) -> bool {
        self == Voice::Boxberry
    }
}

/// A point of a parcel's journey, finer than a milestone: it says which phrase fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Label / electronic data created.
    Info,
    /// First physical scan.
    PickedUp,
    /// Sorting in the origin country.
    OriginScan,
    /// Presented to export customs.
    ExportCustoms,
    /// Released by export customs.
    ExportCleared,
    /// Left the origin country (or handed to the airline).
    Departed,
    /// Reached the destination country.
    Arrived,
    /// Presented to import customs.
    ImportCustoms,
    /// Released by import customs.
    ImportCleared,
    /// Released by import customs with duties to pay.
    ClearedWithDuty,
    /// Held by customs (not for identity data).
    CustomsHold,
    /// Customs needs the recipient's identity data.
    PersonalData,
    /// The first-mile carrier handed the parcel to the last-mile carrier (new number).
    Handover,
    /// Left the inward office of exchange after customs.
    LeftExchange,
    /// Sorting in the destination country.
    DestScan,
    /// With the courier or postman.
    OutForDelivery,
    /// A delivery attempt failed.
    AttemptFailed,
    /// Waiting at a post office, pickup point or locker.
    Pickup,
    /// Handed to the recipient at the door.
    Delivered,
    /// Collected by the recipient at a post office, pickup point or locker.
    Collected,
    /// Return started: refused or undeliverable.
    ReturnRefused,
    /// Return started: not collected in time.
    ReturnUnclaimed,
    /// Return started: customs refused release.
    ReturnCustoms,
    /// Declared lost.
    Lost,
}

impl Step {
    /// Steps that end the forward journey at the recipient's end (or end it early).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Step::Delivered
                | Step::Collected
                | Step::Pickup
                | Step::AttemptFailed
                | Step::ReturnRefused
                | Step::ReturnUnclaimed
                | Step::ReturnCustoms
                | Step::Lost
        )
    }
}

/// One way a carrier reports a step: its code (if the feed has one), the text in two forms
/// (the carrier's two languages, or a long and a short form) and the milestone it means.
#[derive(Debug, Clone, Copy)]
pub struct Phrase {
    /// The status code.
    pub code: Option<&'static str>,
    /// The text; `{n}` stands for the new tracking number, `{city}` for the destination city
    /// and `{country}` for the destination country, in the carrier's script.
    pub text: [&'static str; 2],
    /// What it means.
    pub milestone: Milestone,
}

/// A phrase with a code (a struct literal, so the tables are promoted to statics).
macro_rules! p {
    ($code:literal, $a:literal, $b:literal, $m:expr $(,)?) => {
        Phrase {
            code: Some($code),
            text: [$a, $b],
            milestone: $m,
        }
    };
}

/// A phrase without a code.
macro_rules! t {
    ($a:literal, $b:literal, $m:expr $(,)?) => {
        Phrase {
            code: None,
            text: [$a, $b],
            milestone: $m,
        }
    };
}

/// Every phrase `voice` has for `step`; empty when the carrier does not report that step.
pub fn phrases(voice: Voice, step: Step) -> &'static [Phrase] {
    match voice {
        Voice::ChinaPost => china_post(step),
        Voice::ChinaEms => china_ems(step),
        Voice::Cainiao => cainiao(step),
        Voice::Yanwen => yanwen(step),
        Voice::YunExpress => yunexpress(step),
        Voice::Dhl => dhl(step),
        Voice::RussianPost => russian_post(step),
        Voice::Cdek => cdek(step),
        Voice::Boxberry => boxberry(step),
        Voice::Gbs => gbs(step),
        Voice::Kazpost | Voice::Belpost => cis_post(voice, step),
        Voice::CanadaPost => canada_post(step),
        Voice::Usps => usps(step),
    }
}

/// Whether `voice` reports `step`.
pub fn supports(voice: Voice, step: Step) -> bool {
    !phrases(voice, step).is_empty()
}

fn china_post(step: Step) -> &'static [Phrase] {
    match step {
        Step::Info => &[t!(
            "已收到邮件电子信息",
            "收到寄件人电子信息",
            M::InfoReceived
        )],
        Step::PickedUp => &[p!("203", "已收寄", "收寄计费信息", M::PickedUp)],
        Step::OriginScan => &[
            p!("954", "邮件到达处理中心", "到达处理中心", M::InTransit),
            p!("989", "邮件离开处理中心", "离开处理中心", M::InTransit),
            p!("305", "揽投发运/封车", "揽投发运", M::InTransit),
            p!("423", "出口邮件直封封发", "已出口直封", M::InTransit),
        ],
        Step::ExportCustoms => &[p!(
            "EXA",
            "送交出口海关",
            "已交出口海关",
            M::CustomsClearance
        )],
        Step::ExportCleared => &[p!("EXC", "出口海关放行", "海关放行", M::CustomsCleared)],
        Step::Departed => &[
            p!(
                "404",
                "交航扫描",
                "已交航空公司运输",
                M::DepartedOriginCountry
            ),
            p!(
                "500",
                "航空公司接收",
                "航空公司接收",
                M::DepartedOriginCountry
            ),
            p!(
                "457",
                "航空公司启运",
                "航班已起飞",
                M::DepartedOriginCountry
            ),
        ],
        _ => &[],
    }
}

fn china_ems(step: Step) -> &'static [Phrase] {
    match step {
        Step::PickedUp => &[p!("00", "已收寄", "收寄", M::PickedUp)],
        Step::OriginScan => &[
            p!("41", "到达处理中心", "邮件到达处理中心", M::InTransit),
            p!("40", "离开处理中心", "邮件离开处理中心", M::InTransit),
            p!("30", "经转过程中", "经转过程中", M::InTransit),
        ],
        Step::ExportCustoms => &[p!(
            "EXA",
            "Item presented to export customs",
            "送交出口海关",
            M::CustomsClearance,
        )],
        Step::ExportCleared => &[p!(
            "EXC",
            "Item returned from export customs",
            "出口海关放行",
            M::CustomsCleared,
        )],
        Step::Departed => &[p!(
            "EMC",
            "Departure from outward office of exchange",
            "Departure from outward office of exchange",
            M::DepartedOriginCountry,
        )],
        _ => &[],
    }
}

fn cainiao(step: Step) -> &'static [Phrase] {
    match step {
        Step::Info => &[
            p!(
                "GWMS_ACCEPT",
                "Order information received by warehouse",
                "接单成功",
                M::InfoReceived
            ),
            p!(
                "GTMS_ASN",
                "Electronic information received",
                "接收到电子预报",
                M::InfoReceived
            ),
            p!(
                "CONSIGN",
                "Seller shipped your package",
                "声明发货",
                M::InfoReceived
            ),
            p!(
                "GWMS_PACKAGE",
                "Package packed in warehouse",
                "打包完成",
                M::InfoReceived
            ),
        ],
        Step::PickedUp => &[
            p!(
                "PU_PICKUP_SUCCESS",
                "Received by logistics company",
                "揽收成功",
                M::PickedUp
            ),
            p!(
                "GWMS_OUTBOUND",
                "Outbound from warehouse",
                "出库成功",
                M::PickedUp
            ),
            p!(
                "SC_SIGN_IN_SUCCESS",
                "Sorting center received the package",
                "签收成功",
                M::PickedUp
            ),
        ],
        Step::OriginScan => &[
            p!(
                "SC_INBOUND_SUCCESS",
                "Processing at sorting center",
                "入库成功",
                M::InTransit
            ),
            p!(
                "SC_OUTBOUND_SUCCESS",
                "Package left sorting center of origin",
                "出库成功",
                M::InTransit
            ),
            p!(
                "LH_HO_IN_SUCCESS",
                "Arrived at departure transport hub",
                "交接成功",
                M::InTransit
            ),
        ],
        Step::ExportCustoms => &[p!(
            "CC_EX_START",
            "Export customs clearance started",
            "出口清关开始",
            M::CustomsClearance,
        )],
        Step::ExportCleared => &[p!(
            "CC_EX_SUCCESS",
            "Export customs clearance complete",
            "出口清关完成",
            M::CustomsCleared,
        )],
        Step::Departed => &[
            p!(
                "LH_HO_AIRLINE",
                "Leaving from departure country/region",
                "交航安检成功",
                M::DepartedOriginCountry
            ),
            p!(
                "LH_DEPART",
                "Departed from departure country/region",
                "航班起飞",
                M::DepartedOriginCountry
            ),
        ],
        Step::Arrived => &[p!(
            "LH_ARRIVE",
            "Arrived at linehaul office",
            "航班到达",
            M::ArrivedDestinationCountry,
        )],
        Step::ImportCustoms => &[
            p!(
                "CC_HO_IN_SUCCESS",
                "Arrived at customs",
                "清关交接成功",
                M::CustomsClearance
            ),
            p!(
                "CC_IM_START",
                "Import customs clearance started",
                "清关开始(目的地)",
                M::CustomsClearance
            ),
        ],
        Step::ImportCleared => &[
            p!(
                "CC_IM_SUCCESS",
                "Import customs clearance complete",
                "清关完成(目的地)",
                M::CustomsCleared
            ),
            p!(
                "CC_HO_OUT_SUCCESS",
                "Left from customs",
                "清关转交成功",
                M::CustomsCleared
            ),
        ],
        Step::CustomsHold => &[
            p!(
                "CC_IM_FAILURE",
                "Import customs clearance exception",
                "清关异常(目的地)",
                M::CustomsHold
            ),
            p!(
                "CUS_FAILURE",
                "Customs review exception",
                "海关审单异常",
                M::CustomsHold
            ),
        ],
        Step::Handover => &[
            p!(
                "GTMS_ACCEPT",
                "Received by local delivery company, new tracking number: {n}",
                "到达目的国/配送揽收成功，新单号：{n}",
                M::InTransit,
            ),
            p!(
                "GTMS_RELABEL",
                "Tracking number changed to {n}",
                "转单：{n}",
                M::InTransit
            ),
        ],
        Step::ReturnRefused | Step::ReturnCustoms => &[p!(
            "RT_INBOUND",
            "Returning to seller",
            "退回给卖家",
            M::ReturningToSender,
        )],
        _ => &[],
    }
}

fn yanwen(step: Step) -> &'static [Phrase] {
    match step {
        Step::Info => &[
            p!(
                "OR10",
                "Order processed by shipper",
                "订单已生成",
                M::InfoReceived
            ),
            p!(
                "SC45",
                "Pre-shipment Info sent to carrier",
                "收到预录单电子信息",
                M::InfoReceived
            ),
        ],
        Step::PickedUp => &[p!("PU10", "Yanwen Pickup Scan", "燕文已揽收", M::PickedUp)],
        Step::OriginScan => &[
            p!(
                "SC10",
                "Processing information input",
                "快件处理",
                M::InTransit
            ),
            p!(
                "SC20",
                "Yanwen facility - Outbound",
                "离开燕文处理中心",
                M::InTransit
            ),
            p!(
                "SC65",
                "Carrier facility - Inbound",
                "到达物流商仓库",
                M::InTransit
            ),
        ],
        Step::ExportCustoms => &[p!(
            "EC10",
            "Customs declaration information - Export",
            "提交出口报关信息",
            M::CustomsClearance,
        )],
        Step::ExportCleared => &[p!(
            "EC20",
            "International shipment release - Export",
            "出口报关放行",
            M::CustomsCleared,
        )],
        Step::Departed => &[
            p!(
                "LH10",
                "Port of departure - Received by carrier",
                "航空/班轮/铁路公司接收",
                M::DepartedOriginCountry
            ),
            p!(
                "LH20",
                "Port of departure - Departure",
                "航班起飞/班轮起航",
                M::DepartedOriginCountry
            ),
        ],
        Step::Arrived => &[
            p!(
                "LH50",
                "Destination Country - Arrival",
                "到达派送目的国",
                M::ArrivedDestinationCountry
            ),
            p!(
                "LH33",
                "Arrived at international hub",
                "抵达目的地仓库",
                M::ArrivedDestinationCountry
            ),
        ],
        Step::ImportCustoms => &[p!(
            "IC50",
            "Custom Clearance in process",
            "开始进口清关",
            M::CustomsClearance
        )],
        Step::ImportCleared | Step::ClearedWithDuty => &[p!(
            "IC60",
            "International shipment release - Import",
            "进口清关完成",
            M::CustomsCleared,
        )],
        Step::CustomsHold => &[p!(
            "IC70",
            "Custom clearance failed - Import",
            "进口清关失败",
            M::CustomsHold
        )],
        Step::PersonalData => &[p!(
            "LM70",
            "Consignee information is required",
            "需要进一步确认收件人信息",
            M::PersonalDataRequired,
        )],
        Step::DestScan => &[
            p!(
                "LM10",
                "Distribution center - Inbound",
                "到达目的国派送处理中心",
                M::InTransit
            ),
            p!(
                "LM11",
                "Distribution center - Outbound",
                "离开目的国派送处理中心",
                M::InTransit
            ),
            p!(
                "LM15",
                "In transit to next facility",
                "目的国国内中转",
                M::InTransit
            ),
            p!(
                "LM20",
                "Destination Scan",
                "到达目的国最后派送点",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[p!(
            "LM25",
            "Out for delivery",
            "离开目的国最后派送点",
            M::OutForDelivery
        )],
        Step::AttemptFailed => &[
            p!(
                "LM52",
                "Delivery failed, Consignee is not available",
                "妥投失败，收件人联系不上",
                M::DeliveryAttemptFailed
            ),
            p!(
                "LM51",
                "Delivery attempt failed, will be arranged again",
                "妥投失败，再次尝试投递",
                M::DeliveryAttemptFailed
            ),
        ],
        Step::Pickup => &[p!(
            "LM30",
            "Available for pick up",
            "到达待取",
            M::AvailableForPickup
        )],
        Step::Delivered | Step::Collected => &[p!(
            "LM40",
            "Delivered with POD",
            "派送成功/妥投/签收",
            M::Delivered
        )],
        Step::ReturnRefused | Step::ReturnUnclaimed | Step::ReturnCustoms => &[
            p!("LM90", "Package returned", "包裹退回", M::ReturningToSender),
            p!(
                "LM91",
                "Delivery failed and package returned to carrier",
                "派送失败，包裹退回到物流商",
                M::ReturningToSender
            ),
        ],
        Step::Lost => &[p!("LM85", "Package lost", "包裹丢失", M::Lost)],
        _ => &[],
    }
}

fn yunexpress(step: Step) -> &'static [Phrase] {
    match step {
        Step::Info => &[t!(
            "Shipment information received",
            "Electronic information received",
            M::InfoReceived
        )],
        Step::PickedUp => &[t!(
            "Shipment picked up",
            "Parcel picked up by YunExpress",
            M::PickedUp
        )],
        Step::OriginScan => &[
            t!(
                "Arrived at YunExpress sorting facility",
                "Arrived at YunExpress sorting facility",
                M::InTransit
            ),
            t!(
                "Departed from YunExpress sorting facility",
                "Departed from YunExpress sorting facility",
                M::InTransit
            ),
        ],
        Step::ExportCustoms => &[t!(
            "Export customs clearance started",
            "Export customs clearance started",
            M::CustomsClearance
        )],
        Step::ExportCleared => &[t!(
            "Export customs clearance completed",
            "Released by export customs",
            M::CustomsCleared
        )],
        Step::Departed => &[t!(
            "Departed from origin country",
            "Flight departed",
            M::DepartedOriginCountry
        )],
        Step::Arrived => &[t!(
            "Arrived at destination country",
            "Arrived at destination airport",
            M::ArrivedDestinationCountry
        )],
        Step::ImportCustoms => &[t!(
            "Import customs clearance started",
            "Import customs clearance in progress",
            M::CustomsClearance
        )],
        Step::ImportCleared | Step::ClearedWithDuty => &[t!(
            "Import customs clearance completed",
            "Customs clearance completed",
            M::CustomsCleared,
        )],
        Step::CustomsHold => &[t!(
            "Held by customs",
            "Customs inspection required",
            M::CustomsHold
        )],
        Step::PersonalData => &[t!(
            "Customs requires the recipient's passport data",
            "Recipient's tax ID required for customs clearance",
            M::PersonalDataRequired,
        )],
        Step::Handover => &[t!(
            "Handed over to last mile carrier",
            "Transferred to local delivery company",
            M::InTransit
        )],
        Step::DestScan => &[
            t!(
                "Arrived at local delivery facility",
                "Arrived at local delivery facility",
                M::InTransit
            ),
            t!(
                "In transit to the delivery office",
                "In transit to the delivery office",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[t!(
            "Out for delivery",
            "With delivery courier",
            M::OutForDelivery
        )],
        Step::AttemptFailed => &[t!(
            "Delivery attempt failed: recipient not available",
            "Delivery failed, unable to contact the recipient",
            M::DeliveryAttemptFailed,
        )],
        Step::Pickup => &[t!(
            "Available for pickup at the pickup point",
            "Ready for pickup",
            M::AvailableForPickup
        )],
        Step::Delivered => &[t!(
            "Delivered",
            "Delivered, signed by recipient",
            M::Delivered
        )],
        Step::Collected => &[t!(
            "Picked up by the recipient",
            "Collected by the recipient",
            M::Delivered
        )],
        Step::ReturnRefused | Step::ReturnUnclaimed | Step::ReturnCustoms => &[t!(
            "Returning to sender",
            "Return to sender initiated",
            M::ReturningToSender,
        )],
        Step::Lost => &[t!("Package lost", "Shipment lost in transit", M::Lost)],
        _ => &[],
    }
}

fn dhl(step: Step) -> &'static [Phrase] {
    match step {
        Step::Info => &[t!(
            "Shipment information received",
            "Shipment information received",
            M::InfoReceived
        )],
        Step::PickedUp => &[p!(
            "PU",
            "Shipment picked up",
            "Shipment picked up",
            M::PickedUp
        )],
        Step::OriginScan => &[
            p!(
                "PL",
                "Processed at SHENZHEN - CHINA MAINLAND",
                "Processed at SHENZHEN - CHINA MAINLAND",
                M::InTransit
            ),
            p!(
                "AF",
                "Arrived at Sort Facility HONG KONG - HONG KONG SAR, CHINA",
                "Arrived at Sort Facility HONG KONG - HONG KONG SAR, CHINA",
                M::InTransit
            ),
        ],
        // DHL says which facility it left, not that the parcel left the country.
        Step::Departed => &[p!(
            "DF",
            "Departed Facility in HONG KONG - HONG KONG SAR, CHINA",
            "Departed Facility in HONG KONG - HONG KONG SAR, CHINA",
            M::InTransit,
        )],
        Step::Arrived => &[p!(
            "AF",
            "Arrived at Delivery Facility in {city} - {country}",
            "Arrived at Delivery Facility in {city} - {country}",
            M::InTransit,
        )],
        Step::ImportCustoms => &[p!(
            "CC",
            "Customs status updated",
            "Clearance event",
            M::CustomsClearance
        )],
        Step::ImportCleared | Step::ClearedWithDuty => &[p!(
            "CR",
            "Customs clearance complete at {city} - {country}",
            "Shipment released by customs",
            M::CustomsCleared,
        )],
        Step::CustomsHold => &[p!(
            "OH",
            "Clearance delay - Customs hold",
            "Held by customs",
            M::CustomsHold
        )],
        Step::PersonalData => &[p!(
            "CI",
            "Awaiting recipient's passport data for customs clearance",
            "Clearance event: recipient's passport details required by customs",
            M::PersonalDataRequired,
        )],
        Step::DestScan => &[p!(
            "PL",
            "Processed at {city} - {country}",
            "Processed at {city} - {country}",
            M::InTransit,
        )],
        Step::OutForDelivery => &[p!(
            "WC",
            "With delivery courier",
            "Out for delivery",
            M::OutForDelivery
        )],
        Step::AttemptFailed => &[p!(
            "NH",
            "Delivery attempted; recipient not home",
            "Customer not available or business closed",
            M::DeliveryAttemptFailed,
        )],
        Step::Pickup => &[p!(
            "SA",
            "Available for pickup at DHL Service Point",
            "Shipment is ready for collection",
            M::AvailableForPickup,
        )],
        Step::Delivered | Step::Collected => &[p!(
            "OK",
            "Delivered - Signed for by receiver",
            "Delivered",
            M::Delivered
        )],
        Step::ReturnRefused | Step::ReturnUnclaimed | Step::ReturnCustoms => &[p!(
            "RT",
            "Returned to shipper",
            "Return to shipper initiated",
            M::ReturningToSender,
        )],
        _ => &[],
    }
}

fn russian_post(step: Step) -> &'static [Phrase] {
    match step {
        Step::Arrived => &[
            p!(
                "8.13",
                "Обработка, Прибыло на территорию РФ",
                "Прибыло на территорию РФ",
                M::ArrivedDestinationCountry
            ),
            p!(
                "33.2",
                "Международная обработка, Получено назначенным оператором",
                "Получено назначенным оператором",
                M::ArrivedDestinationCountry
            ),
            p!(
                "9.1",
                "Импорт международной почты, Поступило приписано",
                "Импорт международной почты",
                M::ArrivedDestinationCountry
            ),
            p!(
                "8.5",
                "Обработка, Прибыло в место международного обмена",
                "Прибыло в место международного обмена",
                M::ArrivedDestinationCountry
            ),
        ],
        Step::ImportCustoms => &[
            p!(
                "11",
                "Прием на таможню",
                "Прием на таможню",
                M::CustomsClearance
            ),
            p!(
                "14.3",
                "Таможенное оформление, Осмотрено таможней",
                "Осмотрено таможней",
                M::CustomsClearance
            ),
            p!(
                "39.1",
                "Предварительное таможенное декларирование, Регистрация",
                "Предварительное таможенное декларирование",
                M::CustomsClearance
            ),
            p!(
                "14.10",
                "Таможенное оформление, Проведен осмотр с использованием ТСТК",
                "Проведен осмотр с использованием ТСТК",
                M::CustomsClearance
            ),
        ],
        Step::ImportCleared => &[
            p!(
                "14.1",
                "Таможенное оформление, Выпущено таможней",
                "Выпущено таможней",
                M::CustomsCleared
            ),
            p!(
                "8.52",
                "Обработка, Вручение разрешено",
                "Вручение разрешено",
                M::CustomsCleared
            ),
            p!(
                "39.8",
                "Предварительное таможенное декларирование, Выпуск разрешен",
                "Выпуск разрешен",
                M::CustomsCleared
            ),
            p!(
                "14.5",
                "Таможенное оформление, Направлено с таможенным уведомлением",
                "Направлено с таможенным уведомлением",
                M::CustomsCleared
            ),
        ],
        Step::ClearedWithDuty => &[p!(
            "14.6",
            "Таможенное оформление, Направлено с обязательной уплатой таможенных платежей",
            "Направлено с обязательной уплатой таможенных платежей",
            M::CustomsCleared,
        )],
        Step::CustomsHold => &[
            p!(
                "14.8",
                "Таможенное оформление, Выпуск приостановлен",
                "Выпуск приостановлен",
                M::CustomsHold
            ),
            p!(
                "14.18",
                "Таможенное оформление, Требуется предъявление в ТО",
                "Требуется предъявление в ТО",
                M::CustomsHold
            ),
            p!(
                "24.1064",
                "Продление срока выпуска таможней, Задержано в таможенном органе без указания причины",
                "Задержано в таможенном органе без указания причины",
                M::CustomsHold
            ),
            p!(
                "14.19",
                "Таможенное оформление, Отказ в автоматическом выпуске",
                "Отказ в автоматическом выпуске",
                M::CustomsHold
            ),
            p!(
                "24.4",
                "Продление срока выпуска таможней, Прочее",
                "Продление срока выпуска таможней",
                M::CustomsHold
            ),
        ],
        Step::LeftExchange => &[p!(
            "8.6",
            "Обработка, Покинуло место международного обмена",
            "Покинуло место международного обмена",
            M::InTransit,
        )],
        Step::DestScan => &[
            p!(
                "8.3",
                "Обработка, Прибыло в сортировочный центр",
                "Прибыло в сортировочный центр",
                M::InTransit
            ),
            p!(
                "8.4",
                "Обработка, Покинуло сортировочный центр",
                "Покинуло сортировочный центр",
                M::InTransit
            ),
            p!("8.0", "Обработка, Сортировка", "Сортировка", M::InTransit),
            p!(
                "8.7",
                "Обработка, Прибыло в место транзита",
                "Прибыло в место транзита",
                M::InTransit
            ),
            p!(
                "8.8",
                "Обработка, Покинуло место транзита",
                "Покинуло место транзита",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[
            p!(
                "8.18",
                "Обработка, Передано почтальону",
                "Передано почтальону",
                M::OutForDelivery
            ),
            p!(
                "8.15",
                "Обработка, Передано курьеру",
                "Передано курьеру",
                M::OutForDelivery
            ),
        ],
        Step::AttemptFailed => &[
            p!(
                "12.1",
                "Неудачная попытка вручения, Временное отсутствие адресата",
                "Временное отсутствие адресата",
                M::DeliveryAttemptFailed
            ),
            p!(
                "12.21",
                "Неудачная попытка вручения, Невозможно связаться с клиентом",
                "Невозможно связаться с клиентом",
                M::DeliveryAttemptFailed
            ),
            p!(
                "12.2",
                "Неудачная попытка вручения, Доставка отложена по просьбе адресата",
                "Неудачная попытка вручения",
                M::DeliveryAttemptFailed
            ),
            p!(
                "12.3",
                "Неудачная попытка вручения, Неполный адрес",
                "Неполный адрес",
                M::DeliveryAttemptFailed
            ),
        ],
        Step::Pickup => &[
            p!(
                "8.2",
                "Обработка, Прибыло в место вручения",
                "Прибыло в место вручения",
                M::AvailableForPickup
            ),
            p!(
                "8.9",
                "Обработка, Прибыло в почтомат",
                "Прибыло в почтомат",
                M::AvailableForPickup
            ),
            p!(
                "8.14",
                "Обработка, Прибыло в Центр выдачи посылок",
                "Прибыло в Центр выдачи посылок",
                M::AvailableForPickup
            ),
            p!(
                "8.39",
                "Обработка, Сдано в ПВЗ",
                "Сдано в ПВЗ",
                M::AvailableForPickup
            ),
        ],
        Step::Delivered => &[
            p!(
                "2.6",
                "Вручение, Адресату почтальоном",
                "Адресату почтальоном",
                M::Delivered
            ),
            p!(
                "2.8",
                "Вручение, Адресату курьером",
                "Адресату курьером",
                M::Delivered
            ),
        ],
        Step::Collected => &[
            p!(
                "2.1",
                "Вручение, Вручение адресату",
                "Вручение адресату",
                M::Delivered
            ),
            p!(
                "2.3",
                "Вручение, Выдано адресату через почтомат",
                "Выдано адресату через почтомат",
                M::Delivered
            ),
        ],
        Step::ReturnRefused => &[
            p!(
                "3.4",
                "Возврат, Отказ адресата",
                "Отказ адресата",
                M::ReturningToSender
            ),
            p!(
                "3.3",
                "Возврат, Отсутствие адресата по указанному адресу",
                "Возврат",
                M::ReturningToSender
            ),
        ],
        Step::ReturnUnclaimed => &[p!(
            "3.1",
            "Возврат, Истёк срок хранения",
            "Истёк срок хранения",
            M::ReturningToSender
        )],
        Step::ReturnCustoms => &[p!(
            "3.7",
            "Возврат, Отказ в выпуске таможней",
            "Отказ в выпуске таможней",
            M::ReturningToSender,
        )],
        Step::Lost => &[
            p!("5.1", "Невручение, Утрачено", "Утрачено", M::Lost),
            p!("18", "Регистрация утраты", "Регистрация утраты", M::Lost),
        ],
        _ => &[],
    }
}

fn cdek(step: Step) -> &'static [Phrase] {
    match step {
        Step::ImportCustoms => &[p!(
            "IN_CUSTOMS_LOCAL",
            "Таможенное оформление в стране назначения",
            "Таможенное оформление в стране назначения",
            M::CustomsClearance,
        )],
        Step::ImportCleared | Step::ClearedWithDuty => &[p!(
            "CUSTOMS_COMPLETE",
            "Таможенное оформление завершено",
            "Таможенное оформление завершено",
            M::CustomsCleared,
        )],
        Step::DestScan => &[
            p!(
                "SENT_TO_RECIPIENT_CITY",
                "Отправлен в г. получатель",
                "Отправлен в г. получатель",
                M::InTransit
            ),
            p!(
                "ACCEPTED_IN_TRANSIT_CITY",
                "Встречен в г. транзите",
                "Встречен в г. транзите",
                M::InTransit
            ),
            p!(
                "ACCEPTED_IN_RECIPIENT_CITY",
                "Встречен в г. получателе",
                "Встречен в г. получателе",
                M::InTransit
            ),
            p!(
                "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE",
                "Принят на склад доставки",
                "Принят на склад доставки",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[p!(
            "TAKEN_BY_COURIER",
            "Выдан на доставку",
            "Выдан на доставку",
            M::OutForDelivery
        )],
        Step::AttemptFailed => &[p!(
            "RETURNED_TO_RECIPIENT_CITY_WAREHOUSE",
            "Возвращен на склад доставки",
            "Возвращен на склад доставки",
            M::DeliveryAttemptFailed,
        )],
        Step::Pickup => &[
            p!(
                "ACCEPTED_AT_PICK_UP_POINT",
                "Принят на склад до востребования",
                "Принят на склад до востребования",
                M::AvailableForPickup
            ),
            p!(
                "POSTOMAT_POSTED",
                "Заложен в постамат",
                "Заложен в постамат",
                M::AvailableForPickup
            ),
        ],
        Step::Delivered => &[p!("DELIVERED", "Вручен", "Вручен", M::Delivered)],
        Step::Collected => &[
            p!("DELIVERED", "Вручен", "Вручен", M::Delivered),
            p!(
                "POSTOMAT_RECEIVED",
                "Изъят из постамата клиентом",
                "Изъят из постамата клиентом",
                M::Delivered
            ),
        ],
        Step::ReturnRefused | Step::ReturnCustoms => &[
            p!(
                "NOT_DELIVERED",
                "Не вручен",
                "Не вручен",
                M::ReturningToSender
            ),
            p!(
                "SENT_TO_SENDER_CITY",
                "Отправлен в г. отправитель",
                "Отправлен в г. отправитель",
                M::ReturningToSender
            ),
        ],
        Step::ReturnUnclaimed => &[p!(
            "POSTOMAT_SEIZED",
            "Изъят из постамата курьером",
            "Изъят из постамата курьером",
            M::ReturningToSender,
        )],
        _ => &[],
    }
}

fn boxberry(step: Step) -> &'static [Phrase] {
    match step {
        Step::DestScan => &[
            t!(
                "Передано на сортировку",
                "Передано на сортировку",
                M::InTransit
            ),
            t!(
                "Отправлено в город назначения",
                "Отправлено в город назначения",
                M::InTransit
            ),
            t!("В городе получателя", "В городе получателя", M::InTransit),
            t!(
                "Передан на доставку до пункта выдачи",
                "Передан на доставку до пункта выдачи",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[t!(
            "Передано на курьерскую доставку",
            "Передан на курьерскую доставку, курьер позвонит за 30-60 минут до доставки",
            M::OutForDelivery,
        )],
        Step::Pickup => &[t!(
            "Поступило в пункт выдачи",
            "Поступило в пункт выдачи",
            M::AvailableForPickup
        )],
        Step::Delivered | Step::Collected => &[t!("Выдано", "Выдано", M::Delivered)],
        Step::ReturnRefused | Step::ReturnUnclaimed | Step::ReturnCustoms => &[
            t!(
                "Готовится к возврату",
                "Готовится к возврату",
                M::ReturningToSender
            ),
            t!(
                "Отправлено в пункт приема",
                "Отправлено в пункт приема",
                M::ReturningToSender
            ),
        ],
        _ => &[],
    }
}

fn gbs(step: Step) -> &'static [Phrase] {
    match step {
        Step::ImportCustoms => &[
            p!(
                "CI",
                "Таможенное оформление",
                "Customs clearance in progress",
                M::CustomsClearance
            ),
            p!(
                "CT",
                "Таможенная обработка",
                "Customs processing",
                M::CustomsClearance
            ),
        ],
        Step::ImportCleared => &[p!(
            "CR",
            "Выпущено таможенным органом",
            "Released by customs",
            M::CustomsCleared
        )],
        Step::ClearedWithDuty => &[p!(
            "CR3",
            "Выпущено таможенным органом с платежом.",
            "Выпущено таможенным органом с платежом.",
            M::CustomsCleared,
        )],
        Step::CustomsHold => &[
            p!(
                "HCPR",
                "延期放行",
                "Выпуск продлен таможенным органом",
                M::CustomsHold
            ),
            p!(
                "ERT",
                "Задержано таможенным органом",
                "Customs hold",
                M::CustomsHold
            ),
        ],
        Step::PersonalData => &[
            p!(
                "ASF4",
                "Требуются паспортные данные получателя",
                "Recipient's passport data required",
                M::PersonalDataRequired
            ),
            p!(
                "NOID",
                "Отсутствуют паспортные данные получателя",
                "No identity data of the recipient",
                M::PersonalDataRequired
            ),
            p!(
                "HBA44",
                "Некорректные ПД",
                "Некорректные ПД получателя",
                M::PersonalDataRequired
            ),
        ],
        _ => &[],
    }
}

fn cis_post(voice: Voice, step: Step) -> &'static [Phrase] {
    let belarus = voice == Voice::Belpost;
    match step {
        Step::Arrived => &[t!(
            "Прибыло в место международного обмена",
            "Прибыло в место международного обмена",
            M::ArrivedDestinationCountry,
        )],
        Step::ImportCustoms => &[t!(
            "Передано на таможенный контроль",
            "Предъявлено таможне",
            M::CustomsClearance
        )],
        Step::ImportCleared => &[t!(
            "Выпущено таможней",
            "Таможенное оформление завершено",
            M::CustomsCleared
        )],
        Step::ClearedWithDuty => &[t!(
            "Выпущено таможней с уплатой таможенных платежей",
            "Выпущено таможней с уплатой таможенных платежей",
            M::CustomsCleared,
        )],
        Step::CustomsHold => &[t!(
            "Задержано таможней",
            "Выпуск приостановлен таможней",
            M::CustomsHold
        )],
        Step::LeftExchange => &[t!(
            "Покинуло место международного обмена",
            "Покинуло место международного обмена",
            M::InTransit,
        )],
        Step::DestScan if belarus => &[
            t!(
                "Прибыло в сортировочный центр",
                "Прибыло в сортировочный центр",
                M::InTransit
            ),
            t!(
                "Отправлено в учреждение доставки",
                "Отправлено в учреждение доставки",
                M::InTransit
            ),
        ],
        Step::DestScan => &[
            t!(
                "Прибыло в сортировочный центр",
                "Прибыло в сортировочный центр",
                M::InTransit
            ),
            t!(
                "Покинуло сортировочный центр",
                "Отправлено в отделение связи",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[t!(
            "Передано почтальону для доставки",
            "Выдано курьеру",
            M::OutForDelivery
        )],
        Step::AttemptFailed => &[t!(
            "Неудачная попытка вручения",
            "Неудачная попытка вручения: адресат отсутствует",
            M::DeliveryAttemptFailed,
        )],
        Step::Pickup => &[
            t!(
                "Прибыло в отделение связи, ожидает получателя",
                "Ожидает получателя в отделении связи",
                M::AvailableForPickup
            ),
            t!(
                "Поступило в постамат",
                "Поступило в постамат",
                M::AvailableForPickup
            ),
        ],
        Step::Delivered => &[t!("Вручено адресату", "Вручено", M::Delivered)],
        Step::Collected => &[t!("Выдано получателю", "Вручено адресату", M::Delivered)],
        Step::ReturnRefused | Step::ReturnCustoms => &[t!(
            "Возврат отправителю: отказ адресата",
            "Возврат отправителю",
            M::ReturningToSender,
        )],
        Step::ReturnUnclaimed => &[t!(
            "Возврат отправителю: истек срок хранения",
            "Возврат отправителю",
            M::ReturningToSender,
        )],
        Step::Lost => &[t!("Утрачено", "Отправление утрачено", M::Lost)],
        _ => &[],
    }
}

fn canada_post(step: Step) -> &'static [Phrase] {
    match step {
        Step::DestScan => &[t!("Item processed", "Item in transit", M::InTransit)],
        Step::OutForDelivery => &[t!(
            "Item out for delivery",
            "Item out for delivery",
            M::OutForDelivery
        )],
        Step::Pickup => &[t!(
            "Item available for pickup at Post Office",
            "Item available for pickup at Post Office",
            M::AvailableForPickup,
        )],
        Step::Delivered | Step::Collected => {
            &[t!("Delivered", "Item successfully delivered", M::Delivered)]
        }
        _ => &[],
    }
}

fn usps(step: Step) -> &'static [Phrase] {
    match step {
        Step::DestScan => &[
            t!(
                "Arrived at USPS Regional Facility",
                "Departed USPS Regional Facility",
                M::InTransit
            ),
            t!(
                "In Transit to Next Facility",
                "In Transit to Next Facility",
                M::InTransit
            ),
        ],
        Step::OutForDelivery => &[t!(
            "Out for Delivery",
            "Out for Delivery",
            M::OutForDelivery
        )],
        Step::Pickup => &[t!(
            "Available for Pickup",
            "Available for Pickup",
            M::AvailableForPickup
        )],
        Step::Delivered | Step::Collected => &[t!(
            "Delivered, In/At Mailbox",
            "Delivered, Front Door/Porch",
            M::Delivered,
        )],
        _ => &[],
    }
}
