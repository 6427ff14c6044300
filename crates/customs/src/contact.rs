//! Phone numbers and e-mail addresses of recipients.

use std::fmt;
use std::str::FromStr;

use crate::error::Invalid;

/// A phone number in E.164 form (`+79123456789`).
///
/// Russian (and Kazakh: zone +7) numbers are read in every way people write them:
/// `+7 (912) 345-67-89`, `8 912 345 67 89`, `79123456789`, `9123456789`. Other countries'
/// numbers must start with `+` and their country code. `Debug` shows the masked form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl Phone {
    /// Normalises a phone number as typed.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Invalid::Missing);
        }
        let plus = input.starts_with('+');
        let mut digits = String::with_capacity(16);
        for (i, c) in input.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '(' | ')' | '.' | '\u{00A0}' => {}
                _ => return Err(Invalid::Phone),
            }
            if digits.len() > 15 {
                return Err(Invalid::Phone);
            }
        }
        let national = match (plus, digits.len(), digits.as_bytes().first()) {
            // +7 and 10 digits.
            (true, 11, Some(b'7')) => Some(&digits[1..]),
            (true, _, Some(b'7')) => return Err(Invalid::Phone),
            // 8 is the trunk prefix inside Russia, 7 the country code typed without +.
            (false, 11, Some(b'8' | b'7')) => Some(&digits[1..]),
            (false, 10, _) => Some(&digits[..]),
            (true, 8..=15, Some(b'1'..=b'9')) => None,
            _ => return Err(Invalid::Phone),
        };
        match national {
            Some(n) => {
                // Zone 7: Russia's codes start with 3, 4, 8 or 9, Kazakhstan's with 6 or 7;
                // 0, 1, 2 and 5 are not in use.
                if !matches!(n.as_bytes()[0], b'3' | b'4' | b'6'..=b'9') {
                    return Err(Invalid::Phone);
                }
                Ok(Self(format!("+7{n}")))
            }
            None => Ok(Self(format!("+{digits}"))),
        }
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A Russian mobile number (+79…): the ones that take SMS for sure.
    pub fn is_russian_mobile(&self) -> bool {
        self.0.starts_with("+79")
    }

    /// The number with all but the country code and the last two digits hidden, for
    /// screens and logs: `+7 *** ***-**-89`.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        let last = &digits[digits.len().saturating_sub(2)..];
        if let Some(rest) = digits.strip_prefix('7')
            && rest.len() == 10
        {
            format!("+7 *** ***-**-{last}")
        } else {
            let hidden = "*".repeat(digits.len().saturating_sub(4));
            format!("+{}{hidden}{last}", &digits[..2])
        }
    }
}

impl FromStr for Phone {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An e-mail address, checked for shape only (one `@`, a dotted domain, no spaces or
/// control characters, at most 254 characters); the domain is lower-cased. Whether it
/// exists is for the mail server to say. `Debug` shows the masked form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl Email {
    /// Checks an address.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        if input.is_empty() {
            return Err(Invalid::Missing);
        }
        if input.len() > 254 {
            return Err(Invalid::TooLong { max: 254 });
        }
        let (local, domain) = input.rsplit_once('@').ok_or(Invalid::Email)?;
        let bad_char =
            |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"@".contains(c);
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && !local.chars().any(bad_char)
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && domain.contains('.')
            && domain.split('.').all(label_ok);
        if !ok {
            return Err(Invalid::Email);
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The address with the local part hidden but its first character, for an SMS that
    /// says where the e-mail went: `i***@mail.ru`.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

impl FromStr for Email {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_numbers_in_every_usual_spelling_normalise_alike() {
        for typed in [
            "+7 (912) 345-67-89",
            "8 912 345 67 89",
            "89123456789",
            "79123456789",
            "9123456789",
            "+79123456789",
            " 8-912-345-67-89 ",
            "8 (912) 345.67.89",
        ] {
            let p = Phone::parse(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(p.as_str(), "+79123456789", "{typed}");
            assert!(p.is_russian_mobile());
        }
        let moscow = Phone::parse("8 (495) 123-45-67").expect("landline");
        assert_eq!(moscow.as_str(), "+74951234567");
        assert!(!moscow.is_russian_mobile());
        assert_eq!(
            Phone::parse("+7 701 123 45 67").map(|p| p.0),
            Ok("+77011234567".into())
        );
    }

    #[test]
    fn other_countries_need_their_code_and_bad_numbers_are_refused() {
        assert_eq!(
            Phone::parse("+375 29 123-45-67").map(|p| p.0),
            Ok("+375291234567".into())
        );
        assert_eq!(
            Phone::parse("+86 138 0013 8000").map(|p| p.0),
            Ok("+8613800138000".into())
        );
        for bad in [
            "",
            "12345",
            "+7 912 345 67 8",
            "+7 912 345 67 890",
            "8 512 345 67 89",
            "+0 123 456 789",
            "912-345-67-8a",
            "+7 912 345 67 89 ext 1",
            "1234567890123456",
            "++79123456789",
            "89123456789+",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Phone::parse(""), Err(Invalid::Missing));
    }

    #[test]
    fn phones_are_masked_in_debug() {
        let p = Phone::parse("89123456789").expect("valid");
        assert_eq!(p.masked(), "+7 *** ***-**-89");
        assert_eq!(format!("{p:?}"), "Phone(+7 *** ***-**-89)");
        let by = Phone::parse("+375291234567").expect("valid");
        assert_eq!(by.masked(), "+37********67");
    }

    #[test]
    fn e_mail_addresses_are_checked_for_shape() {
        let e = Email::parse(" Ivan.Petrov+parcels@Mail.RU ").expect("valid");
        assert_eq!(e.as_str(), "Ivan.Petrov+parcels@mail.ru");
        assert_eq!(e.domain(), "mail.ru");
        assert_eq!(e.masked(), "I***@mail.ru");
        assert!(!format!("{e:?}").contains("Petrov"));
        assert!(Email::parse("иван@почта.рф").is_ok());
        for bad in [
            "ivan",
            "ivan@",
            "@mail.ru",
            "ivan@mail",
            "iv an@mail.ru",
            "ivan@mail..ru",
            "ivan@-mail.ru",
            ".ivan@mail.ru",
            "a@b@mail.ru",
            "iv\u{7}an@mail.ru",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Email::parse(&format!("{}@mail.ru", "a".repeat(250))),
            Err(Invalid::TooLong { max: 254 })
        );
    }
}
