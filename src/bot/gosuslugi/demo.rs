//! Demo only: the login in the chat, without a browser.

use crate::bot::ctx::{Ctx, Who};

/// Does what the browser does on the demo login page — asks for the page with a fresh single-use state,
/// picks the test person `oid`, follows the redirect to the bot's own `/esia/callback` — through plain
/// HTTP against the bot's server, so the login goes through exactly the code a browser's would (the
/// callback links the account, says so in the chat and resumes a booking that waited for it).
pub async fn log_in(ctx: &Ctx, who: &Who, oid: u64) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let state = ctx
        .store
        .start_esia_login(who.user_id, who.lang, now.timestamp())
        .await?;
    let url = ctx.esia.authorization_url(&state, now).await?;
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("person".to_owned(), oid.to_string()));
    let mut page = url.clone();
    page.set_query(None);
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()?;
    let done = http
        .post(page)
        .header(reqwest::header::ACCEPT_LANGUAGE, who.lang.code())
        .form(&form)
        .send()
        .await?;
    anyhow::ensure!(
        done.status().is_success(),
        "the demo login ended with HTTP {}",
        done.status()
    );
    // The callback page answers 200 to a refused login too (it explains it to the person): look.
    anyhow::ensure!(
        ctx.store.esia_link(who.user_id).await?.is_some(),
        "the demo login linked nothing"
    );
    Ok(())
}
