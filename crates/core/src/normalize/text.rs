//! Text canonicalisation shared by the rule patterns and the input: one pass, no allocation
//! beyond the caller's reused buffer.

/// Writes a canonical form of `input` into `out` (cleared first):
/// lower case; `ё`→`е`; common Latin diacritics folded (`é`→`e`); full-width ASCII folded;
/// Kangxi radicals `⼀ ⼈` folded to `一 人`; every run of non-alphanumeric characters becomes one
/// space; a space is inserted between Han and Latin/digit runs; the result starts and ends with
/// a space so that patterns can require word boundaries with a space.
pub(crate) fn canonicalize_into(input: &str, out: &mut String) {
    out.clear();
    out.push(' ');
    let mut last_space = true;
    let mut last_han: Option<bool> = None;
    for raw in input.chars() {
        for c in raw.to_lowercase() {
            let c = fold(c);
            if c.is_alphanumeric() {
                let han = is_han(c);
                if last_han.is_some_and(|prev| prev != han) && !last_space {
                    out.push(' ');
                }
                out.push(c);
                last_space = false;
                last_han = Some(han);
            } else if !last_space {
                out.push(' ');
                last_space = true;
                last_han = None;
            }
        }
    }
    if !last_space {
        out.push(' ');
    }
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn fold(c: char) -> char {
    match c {
        'ё' => 'е',
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ė' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'į' => 'i',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ų' => 'u',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        // Kangxi radicals that some Chinese feeds use instead of the ideographs.
        '\u{2F00}' => '一',
        '\u{2F08}' => '人',
        // Full-width ASCII (ＡＢＣ１２３) used by Chinese feeds; already lower-cased above.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let mut out = String::new();
        canonicalize_into(s, &mut out);
        out
    }

    #[test]
    fn lowercases_and_collapses_punctuation() {
        assert_eq!(
            canon("Processing,Arrival at  inward -- office!"),
            " processing arrival at inward office "
        );
        assert_eq!(canon("Приём, ЁЛКА"), " прием елка ");
        assert_eq!(canon(""), " ");
        assert_eq!(canon("  ,,  "), " ");
    }

    #[test]
    fn separates_han_and_latin_runs_and_folds_variants() {
        assert_eq!(canon("到达目的国SC"), " 到达目的国 sc ");
        assert_eq!(canon("【上海】离开"), " 上海 离开 ");
        assert_eq!(
            canon("需要进⼀步确认收件⼈信息"),
            " 需要进一步确认收件人信息 "
        );
        assert_eq!(canon("ＥＭＳ"), " ems ");
        assert_eq!(canon("Votre colis est livré"), " votre colis est livre ");
    }
}
