//! Checks for single field values: phone numbers, postal codes, times, dates, e-mail, URLs.
//!
//! Each check returns a Japanese message and hint when the value is wrong, so the caller only
//! has to attach the file, position and field name.

use jiff::civil::Date;

/// A problem with one value: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub message: String,
    pub hint: String,
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Invalid {
    Invalid {
        message: message.into(),
        hint: hint.into(),
    }
}

fn has_fullwidth_digits(value: &str) -> bool {
    value
        .chars()
        .any(|c| ('０'..='９').contains(&c) || matches!(c, '－' | 'ー' | '―' | '‐'))
}

/// 電話・FAX: digits and hyphens, starting with 0, 10 or 11 digits (0120 and 050 included).
pub fn phone(value: &str, label: &str) -> Result<(), Invalid> {
    let value = value.trim();
    if has_fullwidth_digits(value) {
        return Err(invalid(
            format!("{label}「{value}」に全角の数字か記号が含まれています。"),
            "半角の数字とハイフンで書いてください（例: 088-600-1234）。",
        ));
    }
    let groups: Vec<&str> = value.split('-').collect();
    let well_formed = value.starts_with('0')
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
        && (groups.len() == 1 || groups.len() == 3);
    let digits = value.chars().filter(char::is_ascii_digit).count();
    // The subscriber number is 4 digits, except for 0120 / 0800 / 0570 numbers (3 digits).
    let last_group_ok = match groups.as_slice() {
        [_] => true,
        [first, _, last] => match last.len() {
            4 => true,
            3 => matches!(*first, "0120" | "0800" | "0570"),
            _ => false,
        },
        _ => false,
    };
    if !well_formed || !last_group_ok || !(10..=11).contains(&digits) {
        return Err(invalid(
            format!("{label}「{value}」は日本の電話番号の形ではありません。"),
            "市外局番から、半角の数字とハイフンで書いてください（例: 088-600-1234、携帯は 090-1234-5678）。",
        ));
    }
    Ok(())
}

/// 郵便番号: NNN-NNNN.
pub fn postal_code(value: &str) -> Result<(), Invalid> {
    let bytes = value.as_bytes();
    let ok = bytes.len() == 8
        && bytes[3] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 3 || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            format!("郵便番号「{value}」の形が正しくありません。"),
            "半角で「770-8054」のように 3 桁-4 桁で書き、\"770-8054\" と引用符で囲んでください。",
        ))
    }
}

/// "HH:MM" from 00:00 to 24:00, as minutes since midnight.
pub fn time_of_day(value: &str) -> Result<u16, Invalid> {
    let parse = || -> Option<u16> {
        let (hours, minutes) = value.split_once(':')?;
        if hours.len() != 2 || minutes.len() != 2 {
            return None;
        }
        let hours: u16 = hours.parse().ok()?;
        let minutes: u16 = minutes.parse().ok()?;
        if minutes > 59 || hours > 24 || (hours == 24 && minutes != 0) {
            return None;
        }
        Some(hours * 60 + minutes)
    };
    parse().ok_or_else(|| {
        invalid(
            format!("時刻「{value}」が正しくありません。"),
            "00:00 から 24:00 までの時刻を、半角で \"09:00\" のように 2 桁:2 桁で書き、引用符で囲んでください。",
        )
    })
}

/// YYYY-MM-DD.
pub fn date(value: &str) -> Result<Date, Invalid> {
    let parsed = if value.len() == 10 {
        value.parse::<Date>().ok()
    } else {
        None
    };
    parsed.ok_or_else(|| {
        invalid(
            format!("日付「{value}」が正しくありません。"),
            "半角で 2026-04-01 のように 年-月-日 で書いてください（存在する日付にしてください）。",
        )
    })
}

/// A plausible e-mail address (one @, a dotted domain, no spaces).
pub fn email(value: &str) -> Result<(), Invalid> {
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && value.is_ascii()
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ','))
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            format!("メールアドレス「{value}」の形が正しくありません。"),
            "半角で info@example.jp のように書いてください。",
        ))
    }
}

/// An absolute http(s) URL.
pub fn web_url(value: &str) -> Result<(), Invalid> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(invalid(
            format!("URL「{value}」が正しくありません。"),
            "https:// から始まるホームページのアドレスを書いてください。",
        )),
    }
}

/// The site's own address, as `site.yaml`'s `base_url` and `zaitaku build --base-url` take it
/// (one rule for both): an absolute http(s) URL with a host, without a user name, password,
/// query or fragment, since page paths are added to it. Returns it as the URL parser writes it
/// (host in lower case and punycode, path percent-encoded), ending in `/`.
pub fn base_url(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    let wrong = |why: &str| {
        invalid(
            format!("サイトのアドレス「{value}」が正しくありません（{why}）。"),
            "https://zaitaku.example.jp/ のように、https:// か http:// から、サイトの先頭のアドレスを書いてください。",
        )
    };
    let mut url = url::Url::parse(value).map_err(|_| wrong("URL の形ではありません"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(wrong("https:// か http:// で始まっていません"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(wrong("サーバーの名前がありません"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(wrong("ユーザー名やパスワードは書けません"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(wrong("「?」や「#」から後ろは書けません"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url.into())
}

/// The longest id or page name: it is a folder of the site and part of every link to it.
pub const MAX_SLUG_CHARS: usize = 64;

/// The longest name of one file or folder in `content/`. Windows allows 255, but a site is
/// copied into folders such as `C:\Users\…\Documents\…` and Windows Explorer refuses paths
/// over 260 characters in all.
pub const MAX_NAME_CHARS: usize = 100;

/// Names Windows reserves for devices, whatever the extension (`con.yaml`, `NUL.txt`, `com1`).
fn windows_device(name: &str) -> Option<String> {
    let base = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    let upper = base.to_ascii_uppercase();
    let reserved = matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || ((upper.starts_with("COM") || upper.starts_with("LPT"))
        && upper.chars().count() == 4
        && upper
            .chars()
            .nth(3)
            .is_some_and(|c| matches!(c, '1'..='9' | '¹' | '²' | '³')));
    reserved.then(|| base.to_owned())
}

/// A file or folder name in `content/` that Windows (where sites are also edited) and the
/// site's addresses can hold: no characters Windows forbids, no device names, no trailing
/// dot or space, not too long, and no `#` or `%`, which would change the address.
pub fn file_name(name: &str) -> Result<(), Invalid> {
    let shown = crate::error::printable(name);
    let hint = "ファイル名やフォルダ名は、英数字・ひらがな・カタカナ・漢字・ハイフン・アンダーバーで付け直してください。";
    if let Some(device) = windows_device(name) {
        return Err(invalid(
            format!(
                "名前「{shown}」は Windows が装置の名前として予約している「{device}」なので、Windows のパソコンでは扱えません。"
            ),
            "別の名前に変えてください（例: con → contact）。",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '<' | '>' | ':' | '"' | '\\' | '|' | '?' | '*'))
    {
        return Err(invalid(
            format!(
                "名前「{shown}」に、Windows のファイル名に使えない記号「{c}」が含まれています。"
            ),
            hint,
        ));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '#' | '%')) {
        return Err(invalid(
            format!(
                "名前「{shown}」に、ページのアドレスの意味を変えてしまう記号「{c}」が含まれています。"
            ),
            hint,
        ));
    }
    if name.ends_with('.') || name.ends_with(' ') || name.ends_with('　') {
        return Err(invalid(
            format!(
                "名前「{shown}」が点か空白で終わっています。Windows はこの名前のファイルを扱えません。"
            ),
            "名前の最後の点や空白を消してください。",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(
            format!(
                "名前が長すぎます（{} 文字。上限は {MAX_NAME_CHARS} 文字）。",
                name.chars().count()
            ),
            "Windows のパソコンにコピーできるよう、短い名前に変えてください。",
        ));
    }
    Ok(())
}

/// An id for a URL: `[a-z0-9-]+`, neither starting nor ending with `-`, at most
/// [`MAX_SLUG_CHARS`] long and not a name Windows reserves.
pub fn slug(value: &str) -> Result<(), Invalid> {
    if let Some(device) = windows_device(value) {
        return Err(invalid(
            format!(
                "ファイル名「{}」は Windows が装置の名前として予約している「{device}」なので、ID に使えません。",
                crate::error::printable(value)
            ),
            "Windows のパソコンでは作れない名前です。別の名前に変えてください（例: con.yaml → con-clinic.yaml）。",
        ));
    }
    if value.chars().count() > MAX_SLUG_CHARS {
        return Err(invalid(
            format!(
                "ファイル名が長すぎるため、ページのアドレス（ID）に使えません（{} 文字。上限は {MAX_SLUG_CHARS} 文字）。",
                value.chars().count()
            ),
            "短いファイル名に変えてください（例: takahashi-naika.yaml）。",
        ));
    }
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            format!(
                "ファイル名「{}」はページのアドレス（ID）に使えません。",
                crate::error::printable(value)
            ),
            "ファイル名は半角の英小文字・数字・ハイフンだけにしてください（例: takahashi-naika.yaml）。",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            base_url(" https://Zaitaku.Example.jp/center ").unwrap(),
            "https://zaitaku.example.jp/center/"
        );
        assert_eq!(
            base_url("https://example.jp/在宅/").unwrap(),
            "https://example.jp/%E5%9C%A8%E5%AE%85/"
        );
        for bad in [
            "zaitaku.example.jp",
            "/public/",
            "javascript:alert(1)",
            "file:///etc/",
            "ftp://example.jp/",
            "https://user:pw@example.jp/",
            "https://example.jp/?a=1",
            "https://example.jp/#top",
            "https://",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert!(phone("088-600-1234", "電話番号").is_ok());
        assert!(phone("0886001234", "電話番号").is_ok());
        assert!(phone("090-1234-5678", "電話番号").is_ok());
        assert!(phone("0120-123-456", "電話番号").is_ok());
        assert!(phone("088-600-123", "電話番号").is_err());
        assert!(phone("088-6001234", "電話番号").is_err());
        assert!(phone("０８８-600-1234", "電話番号").is_err());
        assert!(phone("88-600-1234", "電話番号").is_err());
        assert!(phone("088-600-30011", "電話番号").is_err());
    }

    #[test]
    fn postal_codes() {
        assert!(postal_code("770-8054").is_ok());
        assert!(postal_code("7708054").is_err());
        assert!(postal_code("770-805").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(time_of_day("09:30"), Ok(570));
        assert_eq!(time_of_day("24:00"), Ok(1440));
        assert!(time_of_day("24:01").is_err());
        assert!(time_of_day("9:30").is_err());
        assert!(time_of_day("12:60").is_err());
    }

    #[test]
    fn dates() {
        assert!(date("2026-04-01").is_ok());
        assert!(date("2026-02-30").is_err());
        assert!(date("2026/04/01").is_err());
    }

    #[test]
    fn emails_and_urls() {
        assert!(email("info@example.jp").is_ok());
        assert!(email("info@example").is_err());
        assert!(email("info example.jp").is_err());
        assert!(web_url("https://example.jp/").is_ok());
        assert!(web_url("example.jp").is_err());
        assert!(web_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn slugs() {
        assert!(slug("takahashi-naika").is_ok());
        assert!(slug("Takahashi").is_err());
        assert!(slug("..").is_err());
        for reserved in ["con", "nul", "aux", "prn", "com1", "lpt9"] {
            assert!(slug(reserved).is_err(), "{reserved}");
        }
        assert!(slug("com0").is_ok());
        assert!(slug("console").is_ok());
        assert!(slug(&"a".repeat(65)).is_err());
    }

    #[test]
    fn file_names_windows_can_hold() {
        assert!(file_name("ep1-1.svg").is_ok());
        assert!(file_name("案内図.png").is_ok());
        for bad in [
            "CON.png", "nul", "Com1.txt", "lpt3.pdf", "a:b.png", "a?.png", "x.", "x ", "a#b.png",
            "100%.png",
        ] {
            assert!(file_name(bad).is_err(), "{bad}");
        }
        assert!(file_name(&"あ".repeat(101)).is_err());
    }
}
