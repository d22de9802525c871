//! Every provider Wasel knows: its channel, the fields its credentials need (secret ones go to the
//! OS keychain), and the defaults of its rate limit and estimate price.
//!
//! Prices are estimates for the "cost before sending" line and nothing else: the defaults are
//! round figures of public list prices for Saudi destinations and must be set to the centre's
//! contract in Settings → Providers. Rates are requests per second this account may make; the
//! defaults follow the references (Twilio voice 1 call per second, Meta 80 messages per second,
//! OneSignal 150 per second on free plans) and stay modest where the provider publishes nothing.

use crate::domain::Channel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    /// Kept in the keychain; the database holds only a reference.
    pub secret: bool,
    pub required: bool,
    pub multiline: bool,
}

const fn field(key: &'static str) -> FieldSpec {
    FieldSpec { key, secret: false, required: true, multiline: false }
}

const fn secret(key: &'static str) -> FieldSpec {
    FieldSpec { key, secret: true, required: true, multiline: false }
}

const fn optional(key: &'static str) -> FieldSpec {
    FieldSpec { key, secret: false, required: false, multiline: false }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSpec {
    pub id: &'static str,
    pub channel: Channel,
    pub fields: &'static [FieldSpec],
    pub rate_per_sec: u32,
    /// Halalas per unit (SMS segment, WhatsApp message, push, email, call).
    pub unit_price_halalas: u32,
}

/// Every provider, in the default failover order of each channel.
pub const PROVIDERS: &[ProviderSpec] = &[
    ProviderSpec {
        id: "twilio",
        channel: Channel::Sms,
        fields: &[field("account_sid"), secret("auth_token"), field("from"), optional("base_url")],
        rate_per_sec: 10,
        unit_price_halalas: 20,
    },
    ProviderSpec {
        id: "taqnyat",
        channel: Channel::Sms,
        fields: &[secret("token"), field("sender"), optional("base_url")],
        rate_per_sec: 10,
        unit_price_halalas: 7,
    },
    ProviderSpec {
        id: "msegat",
        channel: Channel::Sms,
        fields: &[field("user_name"), secret("api_key"), field("sender"), optional("base_url")],
        rate_per_sec: 10,
        unit_price_halalas: 8,
    },
    ProviderSpec {
        id: "meta",
        channel: Channel::Whatsapp,
        fields: &[
            field("phone_number_id"),
            field("waba_id"),
            secret("access_token"),
            secret("app_secret"),
            secret("verify_token"),
            optional("base_url"),
        ],
        rate_per_sec: 80,
        unit_price_halalas: 12,
    },
    ProviderSpec {
        id: "twilio_whatsapp",
        channel: Channel::Whatsapp,
        fields: &[
            field("account_sid"),
            secret("auth_token"),
            field("from"),
            optional("base_url"),
            optional("content_base_url"),
        ],
        rate_per_sec: 10,
        unit_price_halalas: 15,
    },
    ProviderSpec {
        id: "smtp",
        channel: Channel::Email,
        fields: &[
            field("host"),
            field("port"),
            field("security"),
            optional("username"),
            FieldSpec { key: "password", secret: true, required: false, multiline: false },
            field("from_address"),
            optional("from_name"),
        ],
        rate_per_sec: 5,
        unit_price_halalas: 0,
    },
    ProviderSpec {
        id: "fcm",
        channel: Channel::Push,
        fields: &[
            FieldSpec { key: "service_account_json", secret: true, required: true, multiline: true },
            optional("base_url"),
            optional("token_uri"),
        ],
        rate_per_sec: 100,
        unit_price_halalas: 0,
    },
    ProviderSpec {
        id: "onesignal",
        channel: Channel::Push,
        fields: &[field("app_id"), secret("api_key"), optional("base_url")],
        rate_per_sec: 150,
        unit_price_halalas: 0,
    },
    ProviderSpec {
        id: "twilio_voice",
        channel: Channel::Voice,
        fields: &[field("account_sid"), secret("auth_token"), field("from"), optional("base_url")],
        rate_per_sec: 1,
        unit_price_halalas: 45,
    },
];

pub fn spec(id: &str) -> Option<&'static ProviderSpec> {
    PROVIDERS.iter().find(|p| p.id == id)
}

pub fn of_channel(channel: Channel) -> impl Iterator<Item = &'static ProviderSpec> {
    PROVIDERS.iter().filter(move |p| p.channel == channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_a_provider_and_ids_are_unique() {
        for c in Channel::ALL {
            assert!(of_channel(c).count() > 0, "{c:?}");
        }
        let mut ids: Vec<_> = PROVIDERS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PROVIDERS.len());
    }
}
