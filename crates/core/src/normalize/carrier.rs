//! Carrier identifiers and the recognition of the many ways feeds spell them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::canonicalize_into;

/// A carrier whose status codes the normaliser knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CarrierId {
    /// Russian Post (Почта России): `OperType.OperAttr` codes.
    RussianPost,
    /// China Post (中国邮政): trace `opCode`s.
    ChinaPost,
    /// China Post EMS: express-mail push action codes.
    ChinaEms,
    /// Cainiao / AliExpress logistics: `actionCode`s.
    Cainiao,
    /// Yanwen (燕文): `PU10`…`LM93` status codes.
    Yanwen,
    /// YunExpress (云途): recognised, but no public code table yet (text rules only).
    Yunexpress,
    /// CDEK (СДЭК): v2 status codes and legacy numeric statuses.
    Cdek,
    /// Boxberry: status names.
    Boxberry,
    /// UPU EMSEVT event codes, used by posts world-wide.
    Upu,
    /// GBS-broker, a China -> Russia customs broker.
    Gbs,
}

impl CarrierId {
    /// Every carrier id.
    pub const ALL: &'static [CarrierId] = &[
        CarrierId::RussianPost,
        CarrierId::ChinaPost,
        CarrierId::ChinaEms,
        CarrierId::Cainiao,
        CarrierId::Yanwen,
        CarrierId::Yunexpress,
        CarrierId::Cdek,
        CarrierId::Boxberry,
        CarrierId::Upu,
        CarrierId::Gbs,
    ];

    /// The stable kebab-case id, e.g. `russian-post`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            CarrierId::RussianPost => "russian-post",
            CarrierId::ChinaPost => "china-post",
            CarrierId::ChinaEms => "china-ems",
            CarrierId::Cainiao => "cainiao",
            CarrierId::Yanwen => "yanwen",
            CarrierId::Yunexpress => "yunexpress",
            CarrierId::Cdek => "cdek",
            CarrierId::Boxberry => "boxberry",
            CarrierId::Upu => "upu",
            CarrierId::Gbs => "gbs",
        }
    }

    /// Recognises a carrier from a free-form name: `"Russian Post"`, `"russian_post"`,
    /// `"Почта России"`, `"RU Post via Cainiao"` (the operator before "via" wins), `"菜鸟"`.
    /// Returns `None` for carriers without a code table.
    #[must_use]
    pub fn recognize(name: &str) -> Option<CarrierId> {
        let mut buf = String::with_capacity(name.len() + 2);
        Self::recognize_with(name, &mut buf)
    }

    /// [`CarrierId::recognize`] with a caller-provided scratch buffer.
    pub(crate) fn recognize_with(name: &str, buf: &mut String) -> Option<CarrierId> {
        canonicalize_into(name, buf);
        // "X via Y" / "X через Y": X operates the event, Y only relays it.
        let operator = [" via ", " через ", " 经 "]
            .iter()
            .filter_map(|sep| buf.find(sep))
            .min()
            .map_or(buf.as_str(), |at| &buf[..=at]);
        Self::from_canonical(operator)
    }

    fn from_canonical(s: &str) -> Option<CarrierId> {
        const TABLE: &[(&[&str], CarrierId)] = &[
            (&[" upu ", "emsevt", "universal postal"], CarrierId::Upu),
            (
                &[
                    "russian post",
                    "russia post",
                    "russianpost",
                    " ru post",
                    "rupost",
                    "почта россии",
                    "почта рф",
                    "pochta",
                    " postru",
                    "russian federation post",
                    "俄罗斯邮政",
                ],
                CarrierId::RussianPost,
            ),
            (&["cdek", "сдэк", "сдек", " sdek"], CarrierId::Cdek),
            (&["boxberry", "боксберри", "боксбери"], CarrierId::Boxberry),
            (&["yanwen", "燕文", "yw56"], CarrierId::Yanwen),
            (
                &["yunexpress", "yun express", "云途"],
                CarrierId::Yunexpress,
            ),
            (&[" gbs "], CarrierId::Gbs),
            (&["cainiao", "菜鸟", "aliexpress"], CarrierId::Cainiao),
            (
                &[" ems ", "china ems", "ems china", "邮政速递", "中国速递"],
                CarrierId::ChinaEms,
            ),
            (
                &[
                    "china post",
                    "chinapost",
                    "中国邮政",
                    "cpam",
                    "e邮宝",
                    "epacket",
                ],
                CarrierId::ChinaPost,
            ),
        ];
        TABLE
            .iter()
            .find(|(needles, _)| needles.iter().any(|n| s.contains(n)))
            .map(|&(_, id)| id)
    }

    /// ISO country of the carrier's home network when it operates on the *destination* side
    /// of the China -> Russia/CIS corridor; used to orient direction-dependent codes.
    pub(crate) const fn destination_home(self) -> Option<&'static [u8; 2]> {
        match self {
            CarrierId::RussianPost | CarrierId::Cdek | CarrierId::Boxberry | CarrierId::Gbs => {
                Some(b"RU")
            }
            _ => None,
        }
    }
}

impl fmt::Display for CarrierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_spellings() {
        let cases = [
            ("Russian Post", Some(CarrierId::RussianPost)),
            ("russian_post", Some(CarrierId::RussianPost)),
            ("russian-post", Some(CarrierId::RussianPost)),
            ("Почта России", Some(CarrierId::RussianPost)),
            ("RU Post via Cainiao", Some(CarrierId::RussianPost)),
            ("Russian Post via Cainiao", Some(CarrierId::RussianPost)),
            ("Cainiao/AliExpress", Some(CarrierId::Cainiao)),
            ("菜鸟", Some(CarrierId::Cainiao)),
            ("China Post", Some(CarrierId::ChinaPost)),
            ("china-post", Some(CarrierId::ChinaPost)),
            ("中国邮政", Some(CarrierId::ChinaPost)),
            ("China Post EMS", Some(CarrierId::ChinaEms)),
            ("china-ems", Some(CarrierId::ChinaEms)),
            ("UPU EMSEVT", Some(CarrierId::Upu)),
            ("upu", Some(CarrierId::Upu)),
            ("Yanwen", Some(CarrierId::Yanwen)),
            ("YunExpress", Some(CarrierId::Yunexpress)),
            ("СДЭК", Some(CarrierId::Cdek)),
            ("CDEK", Some(CarrierId::Cdek)),
            ("Boxberry", Some(CarrierId::Boxberry)),
            ("GBS-broker (customs)", Some(CarrierId::Gbs)),
            ("fedex", None),
            ("laposte", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(CarrierId::recognize(name), want, "{name}");
        }
    }

    #[test]
    fn every_id_recognises_itself() {
        for &id in CarrierId::ALL {
            assert_eq!(CarrierId::recognize(id.as_str()), Some(id), "{id}");
        }
    }
}
