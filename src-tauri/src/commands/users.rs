//! Signing in (the first admin, sign-in, the idle lock, sign-out) and the admin's Users screen.
//! The session token is kept in the host's state; the window gets only the session's view.

use tauri::State;
use wasel_core::ErrorPayload;
use wasel_core::api::{AuthState, LoginInput, NewUserInput, Origin, Role, SessionView, UserView};
use wasel_core::error::AuthError;

use crate::Console;

fn signed_out() -> ErrorPayload {
    wasel_core::Error::from(AuthError::Required).into()
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.auth_state")]
pub async fn auth_state(console: State<'_, Console>) -> Result<AuthState, ErrorPayload> {
    let auth = console.wasel()?.auth();
    let session = match console.token() {
        Some(token) => auth.view_of(&token).await?,
        None => None,
    };
    Ok(AuthState { needs_first_admin: auth.needs_first_admin().await?, session })
}

/// Creates the first admin and signs them in.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.create_first_admin")]
pub async fn create_first_admin(console: State<'_, Console>, input: NewUserInput) -> Result<SessionView, ErrorPayload> {
    let auth = console.wasel()?.auth();
    let login = LoginInput { username: input.username.clone(), password: input.password.clone() };
    auth.create_first_admin(input, Origin::Console).await?;
    let signed = auth.login(login, Origin::Console).await?;
    console.set_token(Some(signed.token));
    Ok(signed.session)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.login")]
pub async fn login(console: State<'_, Console>, input: LoginInput) -> Result<SessionView, ErrorPayload> {
    let signed = console.wasel()?.auth().login(input, Origin::Console).await?;
    if let Some(old) = console.token() {
        console.wasel()?.auth().logout(&old, Origin::Console).await?;
    }
    console.set_token(Some(signed.token));
    Ok(signed.session)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.logout")]
pub async fn logout(console: State<'_, Console>) -> Result<(), ErrorPayload> {
    if let Some(token) = console.token() {
        console.wasel()?.auth().logout(&token, Origin::Console).await?;
    }
    console.set_token(None);
    Ok(())
}

/// A keystroke or click in the window (sent at most every few seconds): the idle clock restarts.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.console_activity")]
pub async fn console_activity(console: State<'_, Console>) -> Result<(), ErrorPayload> {
    let token = console.token().ok_or_else(signed_out)?;
    Ok(console.wasel()?.auth().activity(&token).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.lock_console")]
pub async fn lock_console(console: State<'_, Console>) -> Result<(), ErrorPayload> {
    let token = console.token().ok_or_else(signed_out)?;
    Ok(console.wasel()?.auth().lock(&token).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.unlock_console")]
pub async fn unlock_console(console: State<'_, Console>, password: String) -> Result<SessionView, ErrorPayload> {
    let token = console.token().ok_or_else(signed_out)?;
    Ok(console.wasel()?.auth().unlock(&token, password, Origin::Console).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.list_users")]
pub async fn list_users(console: State<'_, Console>) -> Result<Vec<UserView>, ErrorPayload> {
    Ok(console.wasel()?.users(&console.caller().await?).list_users().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.create_user")]
pub async fn create_user(console: State<'_, Console>, input: NewUserInput) -> Result<UserView, ErrorPayload> {
    Ok(console.wasel()?.users(&console.caller().await?).create_user(input).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.set_user_roles")]
pub async fn set_user_roles(
    console: State<'_, Console>,
    id: String,
    roles: Vec<Role>,
) -> Result<UserView, ErrorPayload> {
    Ok(console.wasel()?.users(&console.caller().await?).set_roles(&id, roles).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.set_user_disabled")]
pub async fn set_user_disabled(
    console: State<'_, Console>,
    id: String,
    disabled: bool,
) -> Result<UserView, ErrorPayload> {
    Ok(console.wasel()?.users(&console.caller().await?).set_disabled(&id, disabled).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.reset_user_password")]
pub async fn reset_user_password(
    console: State<'_, Console>,
    id: String,
    password: String,
) -> Result<UserView, ErrorPayload> {
    Ok(console.wasel()?.users(&console.caller().await?).reset_password(&id, password).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, name = "command.change_own_password")]
pub async fn change_own_password(
    console: State<'_, Console>,
    current: String,
    password: String,
) -> Result<(), ErrorPayload> {
    Ok(console.wasel()?.users(&console.caller().await?).change_own_password(current, password).await?)
}
