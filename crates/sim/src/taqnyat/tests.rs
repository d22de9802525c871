//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn scheduled_times_without_an_offset_are_riyadh_time() {
        let at = parse_scheduled("2020-09-30T14:26");
        assert_eq!(at.map(|t| t.to_rfc3339()).as_deref(), Some("2020-09-30T11:26:00+00:00"));
        let at = parse_scheduled("2020-09-30T14:26:05.5");
        assert_eq!(at.map(|t| t.timestamp_millis() % 60_000), Some(5_500));
        assert!(parse_scheduled("2020-09-30 14:26").is_some());
        assert_eq!(
            parse_scheduled("2020-09-30T14:26:00+03:00").map(|t| t.to_rfc3339()).as_deref(),
            Some("2020-09-30T11:26:00+00:00")
        );
        assert!(parse_scheduled("tomorrow").is_none());
        assert!(parse_scheduled("30/09/2020 14:26").is_none());
    }

    #[test]
    fn lists_and_money_are_written_like_taqnyat_writes_them() {
        assert_eq!(bracket_list(&["966500000000".to_owned()]), "[966500000000,]");
        assert_eq!(bracket_list(&["1".to_owned(), "2".to_owned()]), "[1,2,]");
        assert_eq!(riyals(2_044_000), "2044.000");
        assert_eq!(riyals(26), "0.026");
    }

    #[test]
    fn the_inbox_status_follows_the_clock() {
        let now = Utc::now();
        let mut rec = Record {
            id: "1".into(),
            to: "966512345678".into(),
            sender: SANDBOX_SENDER.into(),
            body: "hi".into(),
            num_segments: 1,
            date_created: now,
            scheduled_at: Some(now + TimeDelta::seconds(10)),
            delete_key: None,
            cost_milli_sar: 26,
            canceled: false,
            fails: false,
        };
        let after = TimeDelta::seconds(1);
        assert_eq!(rec.status(now, after), "scheduled");
        assert_eq!(rec.status(now + TimeDelta::seconds(10), after), "sent");
        assert_eq!(rec.status(now + TimeDelta::seconds(11), after), "delivered");
        rec.fails = true;
        assert_eq!(rec.status(now + TimeDelta::seconds(11), after), "undelivered");
        rec.canceled = true;
        assert_eq!(rec.status(now, after), "cancelled");
    }
}
