//! `/api/integration/*` and the parts of `/api/communication/*` whose features are not built yet:
//! each answers `501` with `feature.not_built` (naming the feature) after checking the caller,
//! and is listed as such in the OpenAPI document. The laboratory, pharmacy, government,
//! insurance, payment and dashboard issues replace these one by one.

use wasel_core::ErrorPayload;

use super::error::{ApiError, ApiErrorBody};
use super::request::Signed;

macro_rules! not_built {
    ($($name:ident: $method:ident $path:literal $(($param:literal))? => $feature:literal;)*) => {
        $(
            #[utoipa::path($method, path = $path, tag = "not built yet",
                $(params(($param = String, Path)),)?
                responses((status = 501, body = ApiErrorBody, description = concat!("not built yet: ", $feature))),
                security(("bearer" = [])))]
            pub async fn $name(s: Signed) -> ApiError {
                ApiError::new(ErrorPayload::new("feature.not_built").with("feature", $feature), s.lang)
            }
        )*
    };
}

not_built! {
    create_template: post "/api/communication/templates" => "templates";
    external_systems: get "/api/integration/external-systems" => "integrations";
    create_external_system: post "/api/integration/external-systems" => "integrations";
    test_connection: post "/api/integration/test-connection/{id}" ("id") => "integrations";
    sync_government: post "/api/integration/sync-government/{id}" ("id") => "government";
    sync_laboratory: post "/api/integration/sync-laboratory/{id}" ("id") => "laboratory";
    sync_pharmacy: post "/api/integration/sync-pharmacy/{id}" ("id") => "pharmacy";
    payment_providers: get "/api/integration/payment-providers" => "payments";
    process_payment: post "/api/integration/process-payment" => "payments";
    insurance_providers: get "/api/integration/insurance-providers" => "insurance";
    submit_insurance_claim: post "/api/integration/submit-insurance-claim" => "insurance";
    insurance_claims: get "/api/integration/insurance-claims" => "insurance";
    dashboard: get "/api/integration/dashboard" => "dashboard";
    sync_logs: get "/api/integration/sync-logs" => "integrations";
}
