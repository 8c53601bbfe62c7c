//! `zaitaku --version` (and `-V`): the binary's version, the search dictionary it uses (the
//! one embedded in it, or where it is loaded from) and the search index format it writes —
//! what someone helping a centre over the phone needs to know.

use zaitaku::search::dictionary::{self, Source};

/// The text `--version` prints.
pub fn text() -> String {
    let source = dictionary::source();
    let dictionary = match &source {
        Source::Embedded(name) => format!("{name}（zaitaku に内蔵）"),
        Source::EnvCompiled(dir) => format!(
            "{}（環境変数 {} で指定した作成済みの辞書）",
            dir.display(),
            dictionary::ENV_VAR
        ),
        Source::EnvSource(dir) => format!(
            "{} の IPADIC（環境変数 {} で指定したソース。初めての build で変換します）",
            dir.display(),
            dictionary::ENV_VAR
        ),
        Source::EnvInvalid(dir) => format!(
            "なし（環境変数 {}={} のフォルダには IPADIC がありません）",
            dictionary::ENV_VAR,
            dir.display()
        ),
        Source::Debian(dir) => format!(
            "{} の IPADIC（Debian の mecab-ipadic。初めての build で変換します）",
            dir.display()
        ),
        Source::Missing => format!(
            "なし（build には sudo apt-get install mecab-ipadic か、環境変数 {} の指定が必要です）",
            dictionary::ENV_VAR
        ),
    };
    let mut text = format!(
        "zaitaku {}\n検索用の辞書: {dictionary}\n",
        env!("CARGO_PKG_VERSION")
    );
    // The embedded one is there but not used: say so, so nobody wonders which one it is.
    if let (Some(name), Source::EnvCompiled(_) | Source::EnvSource(_) | Source::EnvInvalid(_)) =
        (dictionary::embedded(), &source)
    {
        text.push_str(&format!(
            "  （内蔵の {name} は、{} を指定しているため使いません）\n",
            dictionary::ENV_VAR
        ));
    }
    text.push_str(&format!(
        "検索索引の形式: {}\n",
        zaitaku::search::format::FORMAT
    ));
    text
}
