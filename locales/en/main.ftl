## Start, consent, main menu, help, settings, privacy.

demo-badge = 🧪 <i>Demo mode: sample clinics and a test Gosuslugi login; no real appointments are made.</i>

# The region is REGION_NAME, as written in the settings (nominative: «Иркутская область», «Санкт-Петербург»).
greeting = Hello! I help you book a doctor — for yourself and for children under 14 — and remind you of the visit.
    Region: { $region }.

consent-notice =
    <b>About personal data</b>
    To book appointments I store full names, dates of birth and OMS policy numbers — yours and your children's — and your appointments. The data is encrypted, sent only to the booking system and Gosuslugi, and shown to no one else. You can delete everything at any time with /forget.

    By tapping «I agree» you consent to the processing of personal data (Federal Law 152-FZ).
btn-consent = ✅ I agree
btn-privacy = Details
btn-language = 🌐 Язык / Language
consent-thanks = Thank you! Your consent is saved.
consent-needed = First I need your consent to process personal data — the «I agree» button below.

menu-title = <b>Main menu</b>
    What would you like to do?
menu-gosuslugi = 🏛 Gosuslugi
menu-book = 🩺 Book a visit
menu-appointments = 📋 My visits
menu-children = 👨‍👩‍👧 My children
menu-settings = ⚙️ Settings
btn-menu = « Menu
# Any step that failed on the way (the registry, the database, Telegram): never silence.
error-something-wrong = 😔 Something went wrong and I could not do that. Nothing you entered is lost: press «Retry» or go back to the menu.
error-btn-retry = 🔄 Retry

cancelled = OK, cancelled. Back to the menu.
state-reset = Sorry, the bot was updated and I lost track of where we were. Let's start from the main menu — everything you saved is still there.
unexpected-text = I am not waiting for text right now. Choose an action with the buttons below or type /help.
use-buttons = I am not waiting for text right now. Choose with a button in the message above.
stale-button = This button is out of date — here is the current step.

help =
    <b>What I can do</b>
    • Book a doctor for you or a child under 14 — the «Book a visit» button.
    • Show your visits and cancel the ones you no longer need — «My visits».
    • Remind you of a visit in advance.
    • Tell you when a doctor has free slots again — «Notify me of slots», when there are none.

    <b>Commands</b>
    /start — main menu
    /cancel — stop what you are doing
    /language — language (Russian or English)
    /privacy — what data I keep and why
    /forget — delete all your data
    /help — this help

settings-title = <b>Settings</b>
btn-forget = 🗑 Delete my data
language-choose = Выберите язык / Choose a language:
language-set = Language: English

privacy-text =
    <b>What I keep and why</b>
    • Your Telegram ID, language and the time of consent — to answer you.
    • Full names, dates of birth and OMS policy numbers — yours and those of the children you add — to find you at a clinic and book.
    • Your Gosuslugi link (identifier and access token) — to confirm your identity for booking.
    • Your appointments — to show them and remind you.
    • Which doctors you are waiting for («Notify me of slots») — to tell you when slots appear.

    Personal data is encrypted, never written to logs and shown only to you in a private chat. It is sent only to the clinics' booking system and to Gosuslugi.
    The /forget command deletes all of it for good.

forget-confirm = <b>Delete all your data?</b>
    Your consent, language, children's data, Gosuslugi link, appointments and slot watches in the bot will be deleted. Appointments at clinics are not cancelled. This cannot be undone.
btn-forget-yes = Yes, delete everything
btn-forget-no = No
forget-done = All your data has been deleted. To come back, press /start.

cmd-start = Main menu
cmd-help = What the bot can do
cmd-cancel = Stop the current action
cmd-language = Язык / Language
cmd-privacy = What data is kept
cmd-forget = Delete my data

group-refusal = I only work in a private chat so as not to show personal data here: message me — @{ $bot }

# A user tapping buttons that cost a registry call or a login faster than a person does.
taps-too-fast = Too fast — wait a couple of seconds and tap again.

## ESIA_URL=off: no Gosuslugi login; users type their own data («My details»).
demo-badge-off = 🧪 <i>Demo mode: sample clinics; no real appointments are made.</i>
menu-me = 🪪 My details
consent-notice-off =
    <b>About personal data</b>
    To book appointments I store full names, dates of birth and OMS policy numbers — yours and your children's — and your appointments. The data is encrypted, sent only to the clinics' booking system, and shown to no one else. You can delete everything at any time with /forget.

    By tapping «I agree» you consent to the processing of personal data (Federal Law 152-FZ).
privacy-text-off =
    <b>What I keep and why</b>
    • Your Telegram ID, language and the time of consent — to answer you.
    • Full names, dates of birth and OMS policy numbers — yours («My details») and those of the children you add — to find you at a clinic and book.
    • Your appointments — to show them and remind you.
    • Which doctors you are waiting for («Notify me of slots») — to tell you when slots appear.

    Personal data is encrypted, never written to logs and shown only to you in a private chat. It is sent only to the clinics' booking system.
    The /forget command deletes all of it for good.
forget-confirm-off = <b>Delete all your data?</b>
    Your consent, language, your details and your children's data, appointments and slot watches in the bot will be deleted. Appointments at clinics are not cancelled. This cannot be undone.
