//! The simulator's own tests.

use super::*;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn only_the_two_otp_wordings_pass_the_free_sender() {
        assert!(is_free_otp_text("Pin Code is: 1234"));
        assert!(is_free_otp_text("رمز التحقق: 123456"));
        assert!(!is_free_otp_text("Pin Code is: 12a4"));
        assert!(!is_free_otp_text("Your pickup code is 1234"));
        assert!(!is_free_otp_text("Pin Code is: "));
    }

    #[test]
    fn m_codes_replace_only_the_codes_that_have_a_twin() {
        assert_eq!(ResultCode::Success.body(true)["code"], "M0000");
        assert_eq!(ResultCode::InvalidLogin.body(false)["code"], "1020");
        assert_eq!(ResultCode::InvalidLogin.body(true)["code"], "M0002");
        assert_eq!(ResultCode::BalanceShort.body(true)["code"], "1060");
    }
}
