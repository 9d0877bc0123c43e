## Pages of the bot's HTTP server around the Gosuslugi login, and the demo login page.

page-done-title = Done — go back to Telegram
page-done-text = The Gosuslugi login is complete. I have sent you the result in the chat with the bot.
page-cancelled-title = Login cancelled — go back to Telegram
page-cancelled-text = You declined to log in with Gosuslugi; nothing is linked. You can try again from the chat with the bot.
page-failed-title = That did not work — go back to Telegram
page-failed-text = Could not get the data from Gosuslugi; nothing is linked. Please try again from the chat with the bot in a few minutes.
page-invalid-title = This link is not valid
page-invalid-text = This login link has expired or has already been used. Go back to Telegram and tap «Log in with Gosuslugi» again.
page-open-telegram = Back to Telegram

demo-title = Gosuslugi — demo login
demo-badge-page = Demo mode: a test login, the real Gosuslugi is not used
demo-intro = Choose a test user to log in as:
demo-person-confirmed = Confirmed account, two children under 14
demo-person-standard = Standard account (not confirmed)
demo-person-simplified = Simplified account (not confirmed)
demo-person-teenager = 13 years old
demo-decline = Decline to log in
demo-bad-request = The demo Gosuslugi refused the login request.

page-config-title = Gosuslugi refused the login
page-config-text = Gosuslugi refused the login because of an error in the bot's settings; nothing is linked. We are fixing it — please try again later from the chat with the bot.
page-retry-title = This login link has expired
page-retry-text = Gosuslugi did not accept this login: it took too long or the link expired. Nothing is linked. Go back to Telegram and tap «Log in with Gosuslugi» again.
page-unavailable-title = Gosuslugi is unavailable
page-unavailable-text = Gosuslugi is not answering right now; nothing is linked. Please try again from the chat with the bot in a few minutes.
page-code-title = Enter the code in Telegram
page-code-text = The login is almost done. Go back to the chat with the bot and send it this code — so the bot knows it was you who started the login. The code is valid for 10 minutes.
page-code-warning = If you did not tap «Log in with Gosuslugi» in Telegram yourself, do not tell anyone this code and close the page.
page-browser-title = Open the login from Telegram
page-browser-text = This login page was opened in another browser or by another Telegram account than the one that started the login. Nothing is linked. Go back to Telegram and tap «Log in with Gosuslugi» again.
page-signer-title = Gosuslugi login is temporarily unavailable
page-signer-text = Could not prepare the Gosuslugi login; nothing is linked. We are fixing it — please try again later from the chat with the bot.

esia-chat-code-prompt = The Gosuslugi login is almost done: send the 6-digit code from the login page here. The code is valid for 10 minutes.
esia-chat-unread = Some of the data from Gosuslugi could not be read: { $what }. The rest is saved. To read it, log in with Gosuslugi again later.
esia-unread-policy = the OMS policy
esia-unread-kids = the list of children
esia-unread-kids-policies = the children's policies
esia-chat-link-moved = Your Gosuslugi account has been linked to another Telegram account, so it is unlinked here. If that was not you, log in with Gosuslugi again and change your Gosuslugi password.
