//! What the desk sees while composing: the address as it will be used, segments and cost, the
//! filled template, the WhatsApp window, the devices, and anything that would stop the send.

use super::api::*;
use crate::context::Messaging;
use crate::domain::sms::segment_info;
use crate::domain::{Channel, Operation, PhoneE164};
use crate::error::{Error, ErrorPayload, Result};

impl Messaging<'_> {
    pub fn preview_sms(&self, draft: &SmsDraft) -> Result<SmsPreview> {
        self.allow(Operation::ComposeMessage)?;
        let (normalized, phone_error) = if draft.to.trim().is_empty() {
            (None, None)
        } else {
            match PhoneE164::parse_mobile(&draft.to) {
                Ok(p) => (Some(p.to_string()), None),
                Err(e) => (None, Some(Error::from(e).payload())),
            }
        };
        let info = segment_info(&draft.body);
        Ok(SmsPreview {
            normalized,
            phone_error,
            encoding: info.encoding,
            units: info.units,
            segments: info.segments,
            remaining: info.remaining,
        })
    }

    /// What the desk sees while composing: the address as it will be used, segments and cost,
    /// the filled template, the WhatsApp window, the devices, and anything that would stop the send.
    pub async fn preview_message(&self, input: &SendMessageInput) -> Result<MessagePreview> {
        self.allow(Operation::ComposeMessage)?;
        let mut problems = Vec::new();
        let guardian = match self.guardian_of(input.guardian_id.as_deref()).await {
            Ok(g) => g,
            Err(e) => {
                problems.push(e.payload());
                None
            }
        };
        let (normalized, address_error) = match self.recipient_address(input, guardian.as_ref()) {
            Ok(Some(a)) => (Some(a), None),
            Ok(None) => (None, None),
            Err(e) => (None, Some(e.payload())),
        };
        let mut preview = MessagePreview {
            channel: input.channel,
            normalized: normalized.clone(),
            address_error,
            sms: None,
            rendered: None,
            cost: None,
            window: None,
            devices: Vec::new(),
            problems: Vec::new(),
        };
        let mut units = 1;
        match input.channel {
            Channel::Sms => {
                let sms = self.preview_sms(&SmsDraft { to: input.to.clone(), body: input.body.clone() })?;
                units = sms.segments.max(1);
                preview.sms = Some(sms);
            }
            Channel::Whatsapp => {
                if let Some(address) = &normalized {
                    preview.window = Some(self.whatsapp_window(address).await?);
                }
                match &input.template {
                    Some(fill) => match self.fill_template(fill).await {
                        Ok((text, _)) => preview.rendered = Some(text),
                        Err(e) => problems.push(e.payload()),
                    },
                    None if preview.window.as_ref().is_some_and(|w| !w.open) => {
                        problems.push(ErrorPayload::new("whatsapp.outside_window"));
                    }
                    None => {}
                }
            }
            Channel::Push => {
                if let Some(g) = &guardian {
                    preview.devices = self.guardian_devices(&g.id.to_string()).await?;
                    let usable = preview.devices.iter().filter(|d| !d.disabled).count();
                    if usable == 0 {
                        problems.push(ErrorPayload::new("push.no_devices"));
                    }
                    units = u32::try_from(usable).unwrap_or(1).max(1);
                }
            }
            Channel::Email | Channel::Voice => {}
        }
        preview.cost = self.providers(self.caller()).estimate(input.channel, units).await?;
        preview.problems = problems;
        Ok(preview)
    }
}
