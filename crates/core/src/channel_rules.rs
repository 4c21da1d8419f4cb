//! A team's own UTM → channel rules, tried before the built-in [`Channel::classify`].
//!
//! Every team tags links its own way (`utm_medium=paid-social`, `utm_source=g2`); ordered
//! first-match rules let marketing operations say what those tags mean without a release.
//! Each rule matches UTM medium, source, campaign and the referrer's host exactly or with `*`
//! globs (case-insensitive); a touch no rule matches falls back to the built-in classifier,
//! which knows search engines and social networks.

use serde::{Deserialize, Serialize};

use crate::Channel;

/// One rule: every condition given must match; at least one must be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_medium: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm_campaign: Option<String>,
    /// The referring page's host (`www.` dropped), e.g. `*.gartner.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_host: Option<String>,
    /// The channel's snake_case name (`paid_social`).
    pub channel: Channel,
}

/// A touch as the rules see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Touch<'a> {
    pub utm_medium: Option<&'a str>,
    pub utm_source: Option<&'a str>,
    pub utm_campaign: Option<&'a str>,
    pub referrer: Option<&'a str>,
}

/// Why a rule list was refused: the rule (0-based) and field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleError {
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// The most rules a list may hold; matching is linear, on the ingest path.
pub const MAX_RULES: usize = 200;

/// Rules ready to match: validated, patterns lower-cased once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelRules {
    rules: Vec<ChannelRule>,
    lowered: Vec<[Option<String>; 4]>,
}

impl ChannelRules {
    /// Checks and prepares rules; every problem is reported, each with its rule and field.
    pub fn new(rules: Vec<ChannelRule>) -> Result<ChannelRules, Vec<RuleError>> {
        let mut errors = Vec::new();
        if rules.len() > MAX_RULES {
            errors.push(RuleError {
                index: MAX_RULES,
                field: "rules".into(),
                message: format!("at most {MAX_RULES} rules"),
            });
        }
        for (i, r) in rules.iter().enumerate() {
            let fields = r.fields();
            if fields.iter().all(|(_, v)| v.is_none()) {
                errors.push(RuleError {
                    index: i,
                    field: "utm_medium".into(),
                    message:
                        "give at least one of utm_medium, utm_source, utm_campaign or referrer_host"
                            .into(),
                });
            }
            for (name, v) in fields {
                if let Some(v) = v
                    && (v.trim().is_empty() || v.len() > 200 || v.chars().any(char::is_control))
                {
                    errors.push(RuleError {
                        index: i,
                        field: name.into(),
                        message: "expected a value or pattern of 1 to 200 characters (`*` matches anything)".into(),
                    });
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let lowered = rules
            .iter()
            .map(|r| {
                r.fields()
                    .map(|(_, v)| v.map(|s| s.trim().to_ascii_lowercase()))
            })
            .collect();
        Ok(ChannelRules { rules, lowered })
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[ChannelRule] {
        &self.rules
    }

    /// The first rule matching the touch, by index, with its channel.
    pub fn matching(&self, t: &Touch<'_>) -> Option<(usize, Channel)> {
        if self.rules.is_empty() {
            return None;
        }
        let host = t.referrer.map(crate::channel::referrer_host);
        let values = [t.utm_medium, t.utm_source, t.utm_campaign, host.as_deref()];
        let values = values.map(|v| v.map(|s| s.trim().to_ascii_lowercase()));
        self.lowered
            .iter()
            .position(|pats| {
                pats.iter().zip(&values).all(|(p, v)| match (p, v) {
                    (None, _) => true,
                    (Some(p), Some(v)) => glob(p, v),
                    (Some(_), None) => false,
                })
            })
            .map(|i| (i, self.rules[i].channel))
    }

    /// The touch's channel: the first matching rule's, else the built-in classification.
    /// The rule's index is returned so that screens can say which rule decided.
    pub fn classify(&self, t: &Touch<'_>, own_host: Option<&str>) -> (Channel, Option<usize>) {
        match self.matching(t) {
            Some((i, c)) => (c, Some(i)),
            None => (
                Channel::classify(t.utm_medium, t.utm_source, t.referrer, own_host),
                None,
            ),
        }
    }
}

impl ChannelRule {
    fn fields(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("utm_medium", self.utm_medium.as_deref()),
            ("utm_source", self.utm_source.as_deref()),
            ("utm_campaign", self.utm_campaign.as_deref()),
            ("referrer_host", self.referrer_host.as_deref()),
        ]
    }
}

/// The rules a new installation starts with: common tagging habits the built-in
/// classifier does not know.
pub fn default_rules() -> Vec<ChannelRule> {
    let rule = |m: Option<&str>, s: Option<&str>, h: Option<&str>, channel| ChannelRule {
        utm_medium: m.map(str::to_owned),
        utm_source: s.map(str::to_owned),
        utm_campaign: None,
        referrer_host: h.map(str::to_owned),
        channel,
    };
    vec![
        rule(Some("paid*social*"), None, None, Channel::PaidSocial),
        rule(Some("*webinar*"), None, None, Channel::Webinar),
        rule(Some("event*"), None, None, Channel::EventPresentation),
        rule(Some("print"), None, None, Channel::DirectMail),
        rule(Some("qr*"), None, None, Channel::DirectMail),
        rule(None, Some("*newsletter*"), None, Channel::Email),
        rule(None, Some("g2*"), None, Channel::Analyst),
        rule(None, Some("gartner*"), None, Channel::Analyst),
        rule(None, None, Some("*gartner.com"), Channel::Analyst),
        rule(None, None, Some("*forrester.com"), Channel::Analyst),
        rule(None, None, Some("*g2.com"), Channel::Analyst),
        rule(None, None, Some("news.ycombinator.com"), Channel::Social),
    ]
}

/// `*`-glob matching over already lower-cased text.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests;
