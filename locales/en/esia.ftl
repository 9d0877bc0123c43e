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
